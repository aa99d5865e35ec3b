namespace OnnxNorm.Ort;

/// <summary>ORT's ONNXType: what kind of value an input or output holds. Only tensors are exchanged.</summary>
public enum OrtValueKind
{
    /// <summary>Not known.</summary>
    Unknown = 0,
    /// <summary>A tensor.</summary>
    Tensor = 1,
    /// <summary>A sequence of values.</summary>
    Sequence = 2,
    /// <summary>A map.</summary>
    Map = 3,
    /// <summary>An opaque value.</summary>
    Opaque = 4,
    /// <summary>A sparse tensor.</summary>
    SparseTensor = 5,
    /// <summary>An optional value.</summary>
    Optional = 6,
}
