using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The structural promises every pass must keep: use lists match node inputs, every value is defined
/// exactly once (SSA), nodes are in topological order (outer values count as defined), and every graph
/// output is defined. Checked after each pass under verify, so a broken rewrite is caught where it happens
/// and not three passes later.
/// </summary>
public static class GraphInvariants
{
    /// <summary>Throws <see cref="InvariantViolationException"/> naming <paramref name="pass"/> on the first problem.</summary>
    public static void Check(Model model, string? pass = null)
    {
        var problem = FindProblem(model);
        if (problem is not null) throw new InvariantViolationException(pass, problem);
    }

    /// <summary>The first broken invariant, described, or null when the model is sound.</summary>
    public static string? FindProblem(Model model)
    {
        var allNodes = new HashSet<Node>();
        foreach (var g in model.Graph.AllGraphs())
            foreach (var n in g.Nodes)
                if (!allNodes.Add(n)) return $"{n.Describe()} appears twice in the graph";

        foreach (var g in model.Graph.AllGraphs())
        {
            string where = Where(g);
            // Sets, not list searches: verify runs this after every patch, so it must stay linear.
            var initializers = new HashSet<Value>(g.Initializers);
            foreach (var n in g.Nodes)
            {
                if (n.Owner != g) return $"{n.Describe()} sits in a graph that is not its owner{where}";
                for (int i = 0; i < n.Inputs.Count; i++)
                {
                    var v = n.Inputs[i];
                    if (v is null) continue;
                    if (!v.Uses.Contains(new Use(n, i))) return $"'{v.Name}' does not list {n.Describe()} input {i} as a use{where}";
                    if (!ReferenceEquals(g.Find(v.Name), v)) return $"{n.Describe()} reads '{v.Name}', which is not visible by that name from its scope{where}";
                }
                for (int o = 0; o < n.Outputs.Count; o++)
                {
                    var v = n.Outputs[o];
                    if (v is null) continue;
                    if (v.Producer != n || v.ProducerOutputIndex != o) return $"'{v.Name}' does not name {n.Describe()} as its producer{where}";
                    if (v.Owner != g) return $"output '{v.Name}' of {n.Describe()} belongs to another scope{where}";
                }
            }

            foreach (var v in g.LocalValues)
            {
                if (v.Owner != g) return $"'{v.Name}' is registered in a scope that does not own it{where}";
                int definitions = (v.IsInitializer ? 1 : 0) + (v.Producer is not null ? 1 : 0)
                    + (v.IsGraphInput && !v.IsInitializer ? 1 : 0);
                if (definitions == 0) return $"'{v.Name}' is registered but nothing defines it{where}";
                if (definitions > 1) return $"'{v.Name}' is defined more than once (SSA){where}";
                if (v.Producer is { } p && (p.Owner != g || !allNodes.Contains(p))) return $"'{v.Name}' is produced by {p.Describe()}, which is not in its graph{where}";
                if (v.IsInitializer && !initializers.Contains(v)) return $"'{v.Name}' holds a tensor but is not in the initializer list{where}";
                foreach (var use in v.Uses)
                {
                    if (!allNodes.Contains(use.Node)) return $"'{v.Name}' is used by {use.Node.Describe()}, which is not in the model";
                    if (!ReferenceEquals(use.Node.Input(use.Index), v)) return $"'{v.Name}' lists a use by {use.Node.Describe()} input {use.Index}, which reads something else";
                }
                if (v.Uses.Distinct().Count() != v.Uses.Count) return $"'{v.Name}' lists the same use twice{where}";
            }
            foreach (var v in g.Initializers)
                if (!ReferenceEquals(g.Find(v.Name), v)) return $"initializer '{v.Name}' is not registered in its scope{where}";
        }

        return CheckOrder(model.Graph, new HashSet<Value>());
    }

    // Walks each graph in node order with the set of values available so far; a subgraph sees what its
    // owner node sees.
    private static string? CheckOrder(Graph g, HashSet<Value> outer)
    {
        var available = new HashSet<Value>(outer);
        foreach (var v in g.Inputs) available.Add(v);
        foreach (var v in g.Initializers) available.Add(v);
        string where = Where(g);
        foreach (var n in g.Nodes)
        {
            foreach (var v in n.Inputs)
                if (v is not null && !available.Contains(v))
                    return $"{n.Describe()} reads '{v.Name}' before it is defined (not in topological order){where}";
            foreach (var sg in n.Subgraphs.Values)
                if (CheckOrder(sg, available) is { } inner) return inner;
            foreach (var o in n.Outputs)
                if (o is not null && !available.Add(o)) return $"'{o.Name}' is defined twice (SSA){where}";
        }
        foreach (var v in g.Outputs)
        {
            if (!available.Contains(v)) return $"graph output '{v.Name}' is not defined{where}";
            if (!ReferenceEquals(g.Find(v.Name), v)) return $"graph output '{v.Name}' is not registered under its name{where}";
        }
        return null;
    }

    private static string Where(Graph g) => g.OwnerNode is { } owner ? $" (in subgraph of {owner.Describe()})" : "";
}
