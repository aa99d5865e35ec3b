using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// One attribute of a <see cref="Node"/>, read through typed accessors. It is a view of the attribute as stored
/// in the model, so fields OnnxNorm does not read (doc strings, unknown fields) still round-trip on save. Read the
/// accessor that matches <see cref="Kind"/>; the others return their default (0, empty).
/// Change attributes through the node (<see cref="Node.SetInt"/>, <see cref="Node.SetInts"/>, ...).
/// </summary>
public sealed class NodeAttribute
{
    private readonly Node _node;

    internal NodeAttribute(Node node, AttributeProto proto)
    {
        _node = node;
        Proto = proto;
    }

    internal AttributeProto Proto { get; }

    /// <summary>The attribute's name, e.g. "kernel_shape".</summary>
    public string Name => Proto.Name;

    /// <summary>The kind of value it holds, as declared in the model.</summary>
    public AttributeKind Kind => (AttributeKind)Proto.Type;

    /// <summary>The value of an <see cref="AttributeKind.Int"/> attribute.</summary>
    public long Int => Proto.I;

    /// <summary>The value of a <see cref="AttributeKind.Float"/> attribute.</summary>
    public float Float => Proto.F;

    /// <summary>The value of a <see cref="AttributeKind.String"/> attribute, decoded as UTF-8.</summary>
    public string String => Proto.S.ToStringUtf8();

    /// <summary>The raw bytes of a <see cref="AttributeKind.String"/> attribute (ONNX strings are bytes).</summary>
    public ReadOnlyMemory<byte> StringBytes => Proto.S.Memory;

    /// <summary>The values of an <see cref="AttributeKind.Ints"/> attribute (a copy).</summary>
    public long[] Ints => Proto.Ints.ToArray();

    /// <summary>The values of a <see cref="AttributeKind.Floats"/> attribute (a copy).</summary>
    public float[] Floats => Proto.Floats.ToArray();

    /// <summary>The values of a <see cref="AttributeKind.Strings"/> attribute, decoded as UTF-8.</summary>
    public string[] Strings => Proto.Strings.Select(s => s.ToStringUtf8()).ToArray();

    /// <summary>
    /// The value of a <see cref="AttributeKind.Tensor"/> attribute (e.g. Constant's or ConstantOfShape's 'value'),
    /// null when it holds none. Its data is read with the model's own limits and external data.
    /// </summary>
    /// <exception cref="BadInputException">The tensor is malformed (names the node and attribute).</exception>
    public Tensor? Tensor => Proto.T is { } t
        ? OnnxNorm.Ir.Tensor.FromProto(t, _node.Owner.Model.External, LoadLimits.Default, $"{_node.Describe()} attribute '{Name}'")
        : null;

    /// <summary>The value of a <see cref="AttributeKind.Graph"/> attribute (an If branch, a Loop or Scan body), null when it holds none.</summary>
    public Graph? Graph => _node.Subgraphs.TryGetValue(Name, out var g) ? g : null;

    /// <summary>The values of a <see cref="AttributeKind.Graphs"/> attribute, in order.</summary>
    public IReadOnlyList<Graph> Graphs =>
        Enumerable.Range(0, Proto.Graphs.Count).Select(i => _node.Subgraphs[$"{Name}[{i}]"]).ToArray();

    /// <summary>In a function body, the name of the function attribute this one refers to; "" otherwise.</summary>
    public string ReferencedAttributeName => Proto.RefAttrName;

    /// <summary>The name and kind, for diagnostics.</summary>
    public override string ToString() => $"{Name} ({Kind})";
}
