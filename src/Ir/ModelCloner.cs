using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Copies a model's structure (graphs, nodes, values, attributes, declarations) without serialising it.
/// Tensor data is shared, not copied: tensors are immutable apart from their name, so the copy costs
/// the size of the graph, not of the weights.
/// </summary>
internal static class ModelCloner
{
    public static Model Clone(Model source)
    {
        var shell = source.Shell.Clone();
        // The external-data files stay open once, owned by the source: the copy reads through them.
        var copy = new Model(shell, source.SourcePath, source.External, ownsExternalData: false);
        copy.CopyNamesFrom(source);
        var map = new Dictionary<Value, Value>(ReferenceEqualityComparer.Instance);
        copy.Graph = CloneGraph(copy, source.Graph, source.Graph.Shell.Clone(), null, null, map);
        return copy;
    }

    // `shell` is already a copy: for a subgraph it is the GraphProto inside the copied owner's attribute,
    // so saving the copy writes this graph back where it belongs.
    private static Graph CloneGraph(Model model, Graph source, GraphProto shell, Graph? parent, Node? owner,
        Dictionary<Value, Value> map)
    {
        var g = new Graph(model, shell, parent, owner);
        foreach (var v in source.LocalValues.ToList())
        {
            var c = g.Define(v.Name);
            c.Type = v.Type?.Clone();
            c.DeclaredInfo = v.DeclaredInfo?.Clone();
            c.OutputInfo = v.OutputInfo?.Clone();
            if (v.Initializer is { } t) c.Initializer = t.Share();
            map[v] = c;
        }
        foreach (var vi in source.ValueInfo) g.ValueInfo.Add(vi.Clone());

        var nodes = new List<(Node Source, Node Copy)>(source.Nodes.Count);
        foreach (var n in source.Nodes)
        {
            var c = new Node(g, n.Proto.Clone());
            foreach (var o in n.Outputs) c.AddOutput(o is null ? null : map[o]);
            for (int i = 0; i < n.Inputs.Count; i++)
                c.SetInput(i, n.Inputs[i] is { } input ? map[input] : null);
            g.LoadNode(c);
            nodes.Add((n, c));
        }
        // Subgraphs after every node of this scope exists, as the loader does: they may read any of them.
        foreach (var (n, c) in nodes)
            foreach (var (key, sub) in n.Subgraphs)
                c.SetSubgraph(key, CloneGraph(model, sub, SubgraphShell(c, key), g, c, map));

        foreach (var v in source.Initializers) g.LoadInitializer(map[v]);
        foreach (var v in source.Inputs) g.LoadInput(map[v]);
        foreach (var v in source.Outputs) g.LoadOutput(map[v]);
        return g;
    }

    // Subgraph keys are the attribute name, or "name[i]" for a GRAPHS attribute (see Node.Subgraphs).
    private static GraphProto SubgraphShell(Node copy, string key)
    {
        int bracket = key.IndexOf('[');
        if (bracket < 0) return copy.FindAttribute(key)!.G;
        int index = int.Parse(key.AsSpan(bracket + 1, key.Length - bracket - 2), System.Globalization.CultureInfo.InvariantCulture);
        return copy.FindAttribute(key[..bracket])!.Graphs[index];
    }
}
