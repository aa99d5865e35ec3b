using Google.Protobuf;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// An operator application. Inputs are changed only through <see cref="SetInput"/>, which keeps the use
/// lists of the old and new values right. Attributes live in the original NodeProto so that unknown
/// fields, doc strings and metadata survive a round trip.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = new();
    private readonly List<Value?> _outputs = new();
    private readonly Dictionary<string, Graph> _subgraphs = new();
    private Tensor? _constantValue;

    internal Node(Graph owner, NodeProto proto)
    {
        Owner = owner;
        Proto = proto;
    }

    /// <summary>The NodeProto shell: attributes, doc string, metadata and unknown fields. Inputs/outputs in it are stale; the IR is authoritative.</summary>
    internal NodeProto Proto { get; }

    /// <summary>The graph that holds this node.</summary>
    public Graph Owner { get; internal set; }

    /// <summary>The operator type, e.g. "Conv".</summary>
    public string OpType { get => Proto.OpType; set => Proto.OpType = value; }

    /// <summary>The operator domain; "" and "ai.onnx" are the same default domain.</summary>
    public string Domain => Proto.Domain is "ai.onnx" ? "" : Proto.Domain;

    /// <summary>The node's name (may be empty).</summary>
    public string Name { get => Proto.Name; set => Proto.Name = value; }

    /// <summary>The inputs in order; null or a value named "" is an omitted optional input.</summary>
    public IReadOnlyList<Value?> Inputs => _inputs;
    /// <summary>The outputs in order; null is an omitted optional output.</summary>
    public IReadOnlyList<Value?> Outputs => _outputs;

    /// <summary>Graph-valued attributes (If/Loop/Scan bodies), by attribute name; GRAPHS entries are "name[i]".</summary>
    public IReadOnlyDictionary<string, Graph> Subgraphs => _subgraphs;

    /// <summary>The node's attributes in file order, as typed views (see <see cref="NodeAttribute"/>).</summary>
    public IReadOnlyList<NodeAttribute> Attributes => Proto.Attribute.Select(a => new NodeAttribute(this, a)).ToArray();

    /// <summary>The opset version of this node's domain in the model.</summary>
    public long Opset => Owner.Model.OpsetFor(Domain);

    /// <summary>Input <paramref name="i"/>, or null when absent.</summary>
    public Value? Input(int i) => i < _inputs.Count ? _inputs[i] : null;
    /// <summary>Output <paramref name="i"/>, or null when absent.</summary>
    public Value? Output(int i) => i < _outputs.Count ? _outputs[i] : null;

    /// <summary>The one way inputs change: it keeps the use lists of the old and the new value right.</summary>
    public void SetInput(int index, Value? value)
    {
        while (_inputs.Count <= index) _inputs.Add(null);
        var old = _inputs[index];
        if (ReferenceEquals(old, value)) return;
        old?.RemoveUse(new Use(this, index));
        _inputs[index] = value;
        value?.AddUse(new Use(this, index));
    }

    internal void AddOutput(Value? v)
    {
        if (v is not null)
        {
            v.Producer = this;
            v.ProducerOutputIndex = _outputs.Count;
        }
        _outputs.Add(v);
    }

    /// <summary>Drops trailing outputs from <paramref name="count"/> on. The dropped values must be unused.</summary>
    public void TruncateOutputs(int count)
    {
        for (int i = _outputs.Count - 1; i >= count; i--)
        {
            if (_outputs[i] is { } v)
            {
                if (v.Uses.Count > 0 || v.IsGraphOutput)
                    throw new InvalidOperationException($"cannot drop output '{v.Name}' of {Describe()}: it is still used");
                Owner.ForgetValue(v);
                v.Producer = null;
            }
            _outputs.RemoveAt(i);
        }
    }

    internal void SetSubgraph(string key, Graph g) => _subgraphs[key] = g;

    /// <summary>Releases every input use (used when the node is removed).</summary>
    internal void DetachInputs()
    {
        for (int i = 0; i < _inputs.Count; i++) SetInput(i, null);
    }

    // ---- attributes ----

    /// <summary>The attribute called <paramref name="name"/> as a typed view, or null when the node has none.</summary>
    public NodeAttribute? Attribute(string name) => FindAttribute(name) is { } a ? new NodeAttribute(this, a) : null;

    internal AttributeProto? FindAttribute(string name)
    {
        foreach (var a in Proto.Attribute) if (a.Name == name) return a;
        return null;
    }

    /// <summary>Whether the node has an attribute called <paramref name="name"/>.</summary>
    public bool HasAttribute(string name) => FindAttribute(name) is not null;

    /// <summary>An INT attribute's value, or <paramref name="fallback"/> when the node has no such attribute.</summary>
    public long GetInt(string name, long fallback) => FindAttribute(name) is { } a ? a.I : fallback;
    /// <summary>A FLOAT attribute's value, or <paramref name="fallback"/> when the node has no such attribute.</summary>
    public float GetFloat(string name, float fallback) => FindAttribute(name) is { } a ? a.F : fallback;
    /// <summary>A STRING attribute's value (UTF-8), or <paramref name="fallback"/> when the node has no such attribute.</summary>
    public string GetString(string name, string fallback) => FindAttribute(name) is { } a ? a.S.ToStringUtf8() : fallback;
    /// <summary>An INTS attribute's values (a copy), or null when the node has no such attribute.</summary>
    public long[]? GetInts(string name) => FindAttribute(name) is { } a ? a.Ints.ToArray() : null;
    /// <summary>A FLOATS attribute's values (a copy), or null when the node has no such attribute.</summary>
    public float[]? GetFloats(string name) => FindAttribute(name) is { } a ? a.Floats.ToArray() : null;

    /// <summary>Sets an INT attribute, replacing any attribute of that name.</summary>
    public void SetInt(string name, long value) => Upsert(name, AttributeProto.Types.AttributeType.Int).I = value;
    /// <summary>Sets a FLOAT attribute, replacing any attribute of that name.</summary>
    public void SetFloat(string name, float value) => Upsert(name, AttributeProto.Types.AttributeType.Float).F = value;

    /// <summary>Sets an INTS attribute, replacing any attribute of that name.</summary>
    public void SetInts(string name, IEnumerable<long> values)
    {
        var a = Upsert(name, AttributeProto.Types.AttributeType.Ints);
        a.Ints.Clear();
        a.Ints.AddRange(values);
    }

    /// <summary>Removes the attribute called <paramref name="name"/>; false when the node had none.</summary>
    public bool RemoveAttribute(string name)
    {
        for (int i = 0; i < Proto.Attribute.Count; i++)
        {
            if (Proto.Attribute[i].Name != name) continue;
            Proto.Attribute.RemoveAt(i);
            _constantValue = null;
            return true;
        }
        return false;
    }

    private AttributeProto Upsert(string name, AttributeProto.Types.AttributeType type)
    {
        _constantValue = null;
        var a = FindAttribute(name);
        if (a is null)
        {
            a = new AttributeProto { Name = name, Type = type };
            Proto.Attribute.Add(a);
        }
        else if (a.Type != type)
        {
            Proto.Attribute.Remove(a);
            a = new AttributeProto { Name = name, Type = type };
            Proto.Attribute.Add(a);
        }
        return a;
    }

    /// <summary>For a Constant node, its value as a tensor (cached); null for other ops or unsupported forms.</summary>
    public Tensor? ConstantValue()
    {
        if (OpType != "Constant" || Domain != "") return null;
        return _constantValue ??= ConstantNodeValue.Read(this);
    }

    /// <summary>A short description for diagnostics: op type and name.</summary>
    public string Describe() => string.IsNullOrEmpty(Name)
        ? $"{OpType} node (output '{Outputs.FirstOrDefault(o => o is not null)?.Name}')"
        : $"{OpType} node '{Name}'";

    /// <summary>Same as <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();
}
