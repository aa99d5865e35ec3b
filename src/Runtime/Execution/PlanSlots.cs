using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// The slot table of one plan being built: every value the plan touches gets a number; constants are filled in
/// once; slots the plan does not own (feeds, constants, values of an enclosing scope) are remembered so they are
/// never released or pooled.
/// </summary>
internal sealed class PlanSlots
{
    private readonly Graph _graph;
    private readonly Func<Value, TensorValue?> _constantOf;
    private readonly Dictionary<Value, int> _slotOf = new();
    private readonly List<TensorValue?> _constants = new();

    public PlanSlots(Graph graph, Func<Value, TensorValue?> constantOf)
    {
        _graph = graph;
        _constantOf = constantOf;
    }

    public HashSet<int> NotOwned { get; } = new();

    /// <summary>Values of an enclosing scope that this graph reads, with their slots (bound when a subgraph runs).</summary>
    public List<(Value, int)> Captured { get; } = new();

    public int Count => _constants.Count;

    public TensorValue?[] Constants => _constants.ToArray();

    public int New(Value v)
    {
        int s = _constants.Count;
        _constants.Add(null);
        _slotOf[v] = s;
        return s;
    }

    /// <summary>A slot holding a constant (or an initializer feed's default) that the plan does not own.</summary>
    public int NewConstant(Value v, TensorValue? value)
    {
        int s = New(v);
        _constants[s] = value;
        NotOwned.Add(s);
        return s;
    }

    /// <summary>The slot of a value read by a step: produced earlier in this graph, or a constant, feed or captured value.</summary>
    public int For(Value v)
    {
        if (_slotOf.TryGetValue(v, out int s)) return s;
        s = New(v);
        NotOwned.Add(s);
        if (_constantOf(v) is { } c) _constants[s] = c;
        else if (v.Owner != _graph) Captured.Add((v, s));
        else if (v.Producer is null && !v.IsGraphInput)
            throw new BadInputException($"value '{v.Name}' is read but never produced{_graph.ScopeSuffix}");
        return s;
    }
}
