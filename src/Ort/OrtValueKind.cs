namespace OnnxNorm.Ort;

/// <summary>ORT's ONNXType: what kind of value an input or output holds. Only tensors are exchanged.</summary>
public enum OrtValueKind
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
