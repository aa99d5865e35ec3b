using System.Collections.ObjectModel;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// A graph: ordered nodes, inputs, outputs and initializers. A subgraph (an If/Loop/Scan body) has a
/// <see cref="Parent"/> and sees the values of its enclosing scopes.
/// </summary>
public sealed class Graph
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    // The lists are private so that every change goes through a method below that keeps each value's role
    // (input, output, initializer), the use lists and the node set consistent; readers get read-only views.
    private readonly List<Node> _nodes = new();
    private readonly List<Value> _inputs = new();
    private readonly List<Value> _outputs = new();
    private readonly List<Value> _initializers = new();

    internal Graph(Model model, GraphProto shell, Graph? parent, Node? ownerNode)
    {
        Model = model;
        Shell = shell;
        Parent = parent;
        OwnerNode = ownerNode;
        Nodes = _nodes.AsReadOnly();
        Inputs = _inputs.AsReadOnly();
        Outputs = _outputs.AsReadOnly();
        Initializers = _initializers.AsReadOnly();
    }

    /// <summary>The model this graph belongs to.</summary>
    public Model Model { get; }
    /// <summary>The graph of the node whose attribute holds this one; null for the main graph.</summary>
    public Graph? Parent { get; }
    /// <summary>The node whose attribute holds this subgraph; null for the main graph.</summary>
    public Node? OwnerNode { get; }

    /// <summary>The GraphProto fields the IR does not model (name, doc string, annotations, unknown fields).</summary>
    internal GraphProto Shell { get; }

    /// <summary>The graph's name as written in the model.</summary>
    public string Name => Shell.Name;

    /// <summary>Nodes in execution order (topological after canonicalization).</summary>
    public ReadOnlyCollection<Node> Nodes { get; }
    /// <summary>The graph inputs in order (change them with <see cref="AddInput"/> and <see cref="RemoveInput"/>).</summary>
    public ReadOnlyCollection<Value> Inputs { get; }
    /// <summary>The graph outputs in order (add one with <see cref="AddOutput"/>).</summary>
    public ReadOnlyCollection<Value> Outputs { get; }
    /// <summary>Initializers in file order.</summary>
    public ReadOnlyCollection<Value> Initializers { get; }
    /// <summary>value_info entries for values that are neither inputs nor outputs, in file order.</summary>
    internal List<ValueInfoProto> ValueInfo { get; } = new();

    /// <summary>How deeply this graph is nested: 0 for the main graph.</summary>
    public int Depth => Parent is null ? 0 : Parent.Depth + 1;

    /// <summary>Finds a value by name in this scope or an enclosing one.</summary>
    public Value? Find(string name)
    {
        for (var g = this; g is not null; g = g.Parent)
            if (g._values.TryGetValue(name, out var v)) return v;
        return null;
    }

    /// <summary>Values defined in this graph's own scope.</summary>
    public IEnumerable<Value> LocalValues => _values.Values;

    internal Value Define(string name)
    {
        var v = new Value(this, name);
        if (!_values.TryAdd(name, v))
            throw new BadInputException($"value '{name}' is defined twice{ScopeSuffix}");
        Model.ReserveName(name);
        return v;
    }

    // Only forget the entry if it is still this value: after ReplaceAllUses another value may carry the name.
    internal void ForgetValue(Value v)
    {
        if (_values.TryGetValue(v.Name, out var current) && ReferenceEquals(current, v)) _values.Remove(v.Name);
    }

    internal string ScopeSuffix => Parent is null ? "" : $" (in subgraph of {OwnerNode!.Describe()})";

    /// <summary>Creates a fresh value with a name unique in the whole model, derived from <paramref name="hint"/>.</summary>
    public Value CreateValue(string hint) => Define(Model.UniqueName(hint));

    /// <summary>Adds an initializer under a unique name derived from <paramref name="hint"/>.</summary>
    public Value AddInitializer(string hint, Tensor tensor)
    {
        var v = CreateValue(hint);
        tensor.Name = v.Name;
        v.Initializer = tensor;
        _initializers.Add(v);
        return v;
    }

    /// <summary>Removes an initializer nothing uses any more.</summary>
    public void RemoveInitializer(Value v)
    {
        if (v.Uses.Count > 0 || v.IsGraphOutput || v.IsGraphInput)
            throw new InvalidOperationException($"initializer '{v.Name}' is still used");
        _initializers.Remove(v);
        _values.Remove(v.Name);
        // A weight read from the mapped model file is done with: let its pages go (peak memory of a fold).
        v.Initializer?.DropResidentPages();
    }

    /// <summary>
    /// Lists a value of this scope as a graph input (after the existing ones). An initializer listed as an
    /// input is a default the caller may override from IR 4 on (see <see cref="Value.IsOverridableInitializer"/>).
    /// </summary>
    public void AddInput(Value v)
    {
        RequireLocal(v, "an input");
        if (v.Producer is not null)
            throw new InvalidOperationException($"'{v.Name}' is computed by {v.Producer.Describe()}; it cannot be a graph input");
        if (_inputs.Contains(v)) throw new InvalidOperationException($"'{v.Name}' is already an input of graph{ScopeSuffix}");
        _inputs.Add(v);
    }

    /// <summary>Stops listing a value as a graph input. A plain input must be unused; an initializer keeps its data.</summary>
    public void RemoveInput(Value v)
    {
        if (!v.IsInitializer && v.Uses.Count > 0)
            throw new InvalidOperationException($"input '{v.Name}' is still used");
        if (!_inputs.Remove(v)) throw new InvalidOperationException($"'{v.Name}' is not an input of graph{ScopeSuffix}");
        if (!v.IsInitializer) _values.Remove(v.Name);
    }

    /// <summary>Lists a value of this scope as a graph output (after the existing ones).</summary>
    public void AddOutput(Value v)
    {
        RequireLocal(v, "an output");
        _outputs.Add(v);
    }

    // The loader appends in file order; what a file may get wrong is reported by the graph invariants.
    internal void LoadNode(Node n) => _nodes.Add(n);
    internal void LoadInput(Value v) => _inputs.Add(v);
    internal void LoadOutput(Value v) => _outputs.Add(v);
    internal void LoadInitializer(Value v) => _initializers.Add(v);

    private void RequireLocal(Value v, string role)
    {
        if (v.Owner != this || !_values.TryGetValue(v.Name, out var known) || !ReferenceEquals(known, v))
            throw new InvalidOperationException($"'{v.Name}' is not a value of graph{ScopeSuffix}; it cannot be {role}");
    }

    /// <summary>Creates a node and inserts it at <paramref name="position"/> (default: the end).</summary>
    public Node AddNode(string opType, IEnumerable<Value?> inputs, int outputCount, string nameHint,
        string domain = "", int? position = null, IEnumerable<string>? outputHints = null)
    {
        var proto = new NodeProto { OpType = opType, Name = Model.UniqueNodeName(nameHint) };
        if (domain.Length > 0) proto.Domain = domain;
        var node = new Node(this, proto);
        int i = 0;
        foreach (var input in inputs) node.SetInput(i++, input);
        var hints = outputHints?.ToArray();
        for (int o = 0; o < outputCount; o++)
            node.AddOutput(CreateValue(hints is not null && o < hints.Length ? hints[o] : $"{proto.Name}_out{o}"));
        _nodes.Insert(position ?? _nodes.Count, node);
        return node;
    }

    /// <summary>Removes a node whose outputs nothing uses. Its input uses are released.</summary>
    public void RemoveNode(Node node)
    {
        foreach (var o in node.Outputs)
        {
            if (o is null) continue;
            if (o.Uses.Count > 0 || o.IsGraphOutput)
                throw new InvalidOperationException($"cannot remove {node.Describe()}: output '{o.Name}' is still used");
        }
        node.DetachInputs();
        foreach (var sg in node.Subgraphs.Values) sg.DetachAll();
        foreach (var o in node.Outputs) if (o is not null) { ForgetValue(o); o.Producer = null; }
        if (!_nodes.Remove(node)) throw new InvalidOperationException($"{node.Describe()} is not in this graph");
    }

    /// <summary>Releases the uses that this graph's nodes (and nested subgraphs) hold on outer values.</summary>
    internal void DetachAll()
    {
        foreach (var n in Nodes)
        {
            n.DetachInputs();
            foreach (var sg in n.Subgraphs.Values) sg.DetachAll();
        }
    }

    /// <summary>
    /// Points every use of <paramref name="old"/> at <paramref name="replacement"/>. Graph outputs are kept
    /// by name: where <paramref name="old"/> is a graph output, the replacement takes over its name.
    /// </summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        foreach (var use in old.Uses.ToArray()) use.Node.SetInput(use.Index, replacement);
        for (var g = old.Owner; ; )
        {
            int idx = g.Outputs.IndexOf(old);
            if (idx < 0) break;
            if (replacement.IsGraphOutput || replacement.IsGraphInput || replacement.IsInitializer || replacement.Owner != g)
            {
                // The replacement cannot take the output's name; route it through an Identity so the
                // graph output name stays intact.
                var id = g.AddNode("Identity", new[] { replacement }, 0, $"{old.Name}_identity");
                string name = old.Name;
                g.ForgetValue(old);
                var outV = g.Define(name);
                outV.Type = old.Type;
                outV.DeclaredInfo = old.DeclaredInfo;
                outV.OutputInfo = old.OutputInfo;
                id.AddOutput(outV);
                g._outputs[idx] = outV;
            }
            else
            {
                string name = old.Name;
                g.ForgetValue(old);
                g.Rename(replacement, name);
                replacement.DeclaredInfo ??= old.DeclaredInfo;
                replacement.Type ??= old.Type;
                // The graph-output declaration (type, doc string) belongs to the output name, not the value.
                replacement.OutputInfo = old.OutputInfo;
                g._outputs[idx] = replacement;
            }
            break;
        }
    }

    /// <summary>Gives a value of this scope a new name that must be free in this scope.</summary>
    public void Rename(Value v, string name)
    {
        if (_values.TryGetValue(name, out var existing) && !ReferenceEquals(existing, v))
            throw new InvalidOperationException($"name '{name}' is taken");
        _values.Remove(v.Name);
        v.Name = name;
        if (v.Initializer is { } t) t.Name = name;
        _values[name] = v;
        Model.ReserveName(name);
    }

    /// <summary>
    /// The constant tensor behind a value: a non-overridable initializer (here or in an enclosing scope) or
    /// the output of a Constant node. Null for anything computed at run time or fed by the caller.
    /// </summary>
    public static Tensor? TryGetConstant(Value? v) => v?.ConstantTensor;

    /// <summary>All nodes in this graph and every nested subgraph, depth first.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var n in Nodes)
        {
            yield return n;
            foreach (var sg in n.Subgraphs.Values)
                foreach (var inner in sg.AllNodes())
                    yield return inner;
        }
    }

    /// <summary>All graphs: this one and every nested subgraph.</summary>
    public IEnumerable<Graph> AllGraphs()
    {
        yield return this;
        foreach (var n in Nodes)
            foreach (var sg in n.Subgraphs.Values)
                foreach (var g in sg.AllGraphs())
                    yield return g;
    }

    /// <summary>
    /// Nodes in a topological order that keeps the file order where it already is one. Throws naming a node
    /// on a cycle. Values from enclosing scopes count as available.
    /// </summary>
    public List<Node> TopologicalOrder()
    {
        var indegree = new Dictionary<Node, int>(Nodes.Count);
        var position = new Dictionary<Node, int>(Nodes.Count);
        for (int i = 0; i < Nodes.Count; i++) { position[Nodes[i]] = i; indegree[Nodes[i]] = 0; }
        foreach (var n in Nodes)
            foreach (var dep in LocalProducers(n))
                indegree[n]++;
        var ready = new PriorityQueue<Node, int>();
        foreach (var n in Nodes) if (indegree[n] == 0) ready.Enqueue(n, position[n]);
        var order = new List<Node>(Nodes.Count);
        while (ready.TryDequeue(out var n, out _))
        {
            order.Add(n);
            foreach (var o in n.Outputs)
            {
                if (o is null) continue;
                foreach (var consumer in ConsumersInThisGraph(o))
                    if (--indegree[consumer] == 0) ready.Enqueue(consumer, position[consumer]);
            }
        }
        if (order.Count != Nodes.Count)
        {
            var stuck = Nodes.First(n => indegree[n] > 0);
            throw new BadInputException($"graph{ScopeSuffix} has a cycle through {stuck.Describe()}");
        }
        return order;
    }

    /// <summary>Reorders <see cref="Nodes"/> topologically (stable where already ordered).</summary>
    public void SortTopologically()
    {
        ReorderNodes(TopologicalOrder());
    }

    /// <summary>Puts this graph's nodes in the given order, which must hold exactly the same nodes.</summary>
    public void ReorderNodes(IReadOnlyList<Node> order)
    {
        if (order.Count != _nodes.Count || !new HashSet<Node>(order).SetEquals(_nodes))
            throw new InvalidOperationException($"a new node order must hold exactly the nodes of graph{ScopeSuffix}");
        _nodes.Clear();
        _nodes.AddRange(order);
    }

    // A node depends on the producers (in this graph) of its inputs and of the outer values its subgraphs read.
    private IEnumerable<Node> LocalProducers(Node n)
    {
        foreach (var v in n.Inputs)
            if (v?.Producer is { } p && p.Owner == this) yield return p;
        foreach (var sg in n.Subgraphs.Values)
            foreach (var v in sg.CapturedValues())
                if (v.Producer is { } p && p.Owner == this) yield return p;
    }

    private IEnumerable<Node> ConsumersInThisGraph(Value v)
    {
        foreach (var use in v.Uses)
        {
            var consumer = use.Node;
            // Climb from a nested use up to the node of this graph that owns the subgraph.
            while (consumer.Owner != this && consumer.Owner.OwnerNode is { } owner) consumer = owner;
            if (consumer.Owner == this) yield return consumer;
        }
    }

    /// <summary>Values from enclosing scopes that this graph (or its subgraphs) reads, with repetition.</summary>
    public IEnumerable<Value> CapturedValues()
    {
        foreach (var n in Nodes)
        {
            foreach (var v in n.Inputs)
                if (v is not null && !IsInScopeOf(v.Owner)) yield return v;
            foreach (var sg in n.Subgraphs.Values)
                foreach (var v in sg.CapturedValues())
                    if (!IsInScopeOf(v.Owner)) yield return v;
        }
    }

    // True if values owned by g are local to this graph (g is this graph).
    private bool IsInScopeOf(Graph g) => g == this;
}
