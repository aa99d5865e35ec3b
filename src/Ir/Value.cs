using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// A named SSA value: a graph input, an initializer, or a node output. It knows its producer and every
/// use, so rewrites can ask "who else reads this?" without scanning the graph.
/// </summary>
public sealed class Value
{
    private readonly List<Use> _uses = new();

    internal Value(Graph owner, string name)
    {
        Owner = owner;
        Name = name;
    }

    /// <summary>The value's name, unique in the model (change it with <see cref="Graph.Rename"/>).</summary>
    public string Name { get; internal set; }

    /// <summary>The graph whose scope defines this value.</summary>
    public Graph Owner { get; }

    /// <summary>Type and shape as written in the model (graph input/output or value_info); null if unknown.</summary>
    internal TypeProto? Type { get; set; }

    /// <summary>Whether this value has a declared type: from the model (graph input or output, value_info) or <see cref="DeclareTensorType"/>.</summary>
    public bool HasDeclaredType => Type is not null;

    /// <summary>
    /// Declares this value a tensor of <paramref name="elementType"/> with <paramref name="shape"/> (null: rank
    /// unknown; a <see cref="Dim"/> with neither number nor name: that dim unknown); <see cref="ElementType"/> and
    /// <see cref="Shape"/> report it from now on (an initializer reports its own data's). On save it is written as
    /// the type of a value the file did not declare (e.g. an intermediate made a graph output); a declaration read
    /// from the file is saved as written.
    /// </summary>
    public void DeclareTensorType(ElementType elementType, IReadOnlyList<Dim>? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)elementType };
        if (shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in shape) tensor.Shape.Dim.Add(d.ToProto());
        }
        Type = new TypeProto { TensorType = tensor };
    }

    /// <summary>The ValueInfoProto this value was declared with, kept so doc strings and metadata survive.</summary>
    internal ValueInfoProto? DeclaredInfo { get; set; }

    /// <summary>The graph-output declaration, which may differ from the input/value_info one.</summary>
    internal ValueInfoProto? OutputInfo { get; set; }

    /// <summary>The node whose output this value is; null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }
    /// <summary>Which output of <see cref="Producer"/> this value is.</summary>
    public int ProducerOutputIndex { get; internal set; }

    /// <summary>The constant data if this value is an initializer.</summary>
    public Tensor? Initializer { get; internal set; }

    /// <summary>Whether the owning graph lists this value as an input.</summary>
    public bool IsGraphInput => Owner.Inputs.Contains(this);
    /// <summary>Whether the owning graph lists this value as an output.</summary>
    public bool IsGraphOutput => Owner.Outputs.Contains(this);
    /// <summary>Whether this value is an initializer (see <see cref="IsOverridableInitializer"/> for when it is still not a constant).</summary>
    public bool IsInitializer => Initializer is not null;

    /// <summary>
    /// Since IR 4 an initializer that is also listed as a graph input is only a default: a caller may feed
    /// another value, so it must not be treated as a constant.
    /// </summary>
    public bool IsOverridableInitializer => IsInitializer && IsGraphInput && Owner.Model.IrVersion >= 4;

    /// <summary>
    /// The constant tensor behind this value: a non-overridable initializer or the output of a Constant node.
    /// Null for anything computed at run time or fed by the caller (an overridable initializer is a default only).
    /// </summary>
    public Tensor? ConstantTensor
    {
        get
        {
            if (Initializer is { } t) return IsOverridableInitializer ? null : t;
            if (Producer is { OpType: "Constant", Domain: "" } p) return p.ConstantValue();
            return null;
        }
    }

    /// <summary>Every node input that reads this value (graph outputs are not uses).</summary>
    public IReadOnlyList<Use> Uses => _uses;

    internal void AddUse(Use use) => _uses.Add(use);

    internal void RemoveUse(Use use)
    {
        int i = _uses.IndexOf(use);
        if (i < 0) throw new InvalidOperationException($"use list of '{Name}' lost track of {use.Node.Describe()} input {use.Index}");
        _uses.RemoveAt(i);
    }

    /// <summary>The element type: the initializer's, else the declared tensor type's, else <see cref="ElementType.Undefined"/>.</summary>
    public ElementType ElementType =>
        Initializer?.ElementType
        ?? (Type?.TensorType is { HasElemType: true } tt ? (ElementType)tt.ElemType : ElementType.Undefined);

    /// <summary>Shape as dims; a null entry is a symbolic or unknown dim. Null when the rank is unknown.</summary>
    public Dim[]? Shape
    {
        get
        {
            if (Initializer is { } t) return t.Dims.Select(d => new Dim(d, null)).ToArray();
            var shape = Type?.TensorType?.Shape;
            if (Type?.TensorType is null || !Type.TensorType.HasShape()) return null;
            return shape!.Dim.Select(Dim.FromProto).ToArray();
        }
    }

    /// <summary>The value's name.</summary>
    public override string ToString() => Name;
}

/// <summary>A tensor dimension: a number, a symbolic name, or unknown.</summary>
/// <param name="Value">The size, when known.</param>
/// <param name="Param">The symbolic name (e.g. "batch"), when the size is not a number.</param>
public readonly record struct Dim(long? Value, string? Param)
{
    internal TensorShapeProto.Types.Dimension ToProto()
    {
        var d = new TensorShapeProto.Types.Dimension();
        if (Value is { } v) d.DimValue = v;
        else if (Param is { } p) d.DimParam = p;
        return d;
    }

    internal static Dim FromProto(TensorShapeProto.Types.Dimension d) =>
        d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new Dim(d.DimValue, null),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new Dim(null, d.DimParam),
            _ => new Dim(null, null),
        };

    /// <summary>The number, the name, or "?".</summary>
    public override string ToString() => Value?.ToString() ?? Param ?? "?";
}

internal static class TypeProtoExtensions
{
    public static bool HasShape(this TypeProto.Types.Tensor t) => t.Shape is not null;
}
