namespace OnnxNorm.Ir;

/// <summary>
/// The kind of value an ONNX node attribute holds. The numbers are ONNX's own (AttributeProto.AttributeType),
/// so a kind read from a file maps one to one.
/// </summary>
public enum AttributeKind
{
    /// <summary>No kind recorded in the file.</summary>
    Undefined = 0,
    /// <summary>One 32-bit float.</summary>
    Float = 1,
    /// <summary>One 64-bit integer.</summary>
    Int = 2,
    /// <summary>One string (bytes, by convention UTF-8).</summary>
    String = 3,
    /// <summary>One tensor.</summary>
    Tensor = 4,
    /// <summary>One graph (an If/Loop/Scan body).</summary>
    Graph = 5,
    /// <summary>A list of 32-bit floats.</summary>
    Floats = 6,
    /// <summary>A list of 64-bit integers.</summary>
    Ints = 7,
    /// <summary>A list of strings.</summary>
    Strings = 8,
    /// <summary>A list of tensors.</summary>
    Tensors = 9,
    /// <summary>A list of graphs.</summary>
    Graphs = 10,
    /// <summary>One sparse tensor (kept as written; OnnxNorm does not read it).</summary>
    SparseTensor = 11,
    /// <summary>A list of sparse tensors (kept as written).</summary>
    SparseTensors = 12,
    /// <summary>One type description (kept as written).</summary>
    Type = 13,
    /// <summary>A list of type descriptions (kept as written).</summary>
    Types = 14,
}
