using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `sort`: puts the nodes of every graph (subgraphs included) in topological order, keeping the file order
/// wherever it already is one. PyTorch can export graphs out of order; ONNX Runtime runs them, but
/// `onnx.checker` and every pass that walks nodes in order need them sorted. A cycle is bad input.
/// </summary>
public sealed class TopologicalSortPass : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "sort";
    /// <summary>The nodes were not in topological order and have been sorted.</summary>
    public const string SortedCode = "nodes-sorted";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Sort the nodes of every graph topologically (stable: a sorted graph is unchanged).";

    /// <summary>One graph-level patch per graph out of order.</summary>
    public override PassResult Run(Model model, RewriteSession session)
    {
        var diagnostics = new List<Diagnostic>();
        RewriteDriver.ApplyPerGraph(model, session, g =>
        {
            var order = g.TopologicalOrder();
            int moved = 0;
            for (int i = 0; i < order.Count; i++) if (!ReferenceEquals(order[i], g.Nodes[i])) moved++;
            if (moved == 0) return Array.Empty<RewritePatch>();
            string where = g.OwnerNode is { } owner ? $" in the subgraph of {owner.Describe()}" : "";
            var said = new Diagnostic(DiagnosticSeverity.Info, SortedCode, null, $"the nodes{where} were not in topological order; {moved} of {order.Count} moved");
            return new[] { new RewritePatch(null, $"nodes{where} sorted", () => { g.ReorderNodes(order); diagnostics.Add(said); }, new[] { said }) };
        });
        return diagnostics.Count == 0 ? PassResult.Unchanged : new PassResult(true, diagnostics);
    }
}
