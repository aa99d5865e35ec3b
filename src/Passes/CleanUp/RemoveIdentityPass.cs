using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `remove-identity`: readers of an Identity's output read its input instead. A graph output keeps its
/// name: the input value takes it over, which is only possible when the input is a node output of the same
/// graph; otherwise that Identity stays (it is what gives the output its name).
/// </summary>
public sealed class RemoveIdentityPass : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "remove-identity";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "Remove Identity nodes, keeping graph output names.";
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        int removed = 0;
        foreach (var g in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in g.Nodes.Where(n => n.OpType == "Identity" && n.Domain == "").ToList())
            {
                var x = node.Input(0);
                var y = node.Output(0);
                if (x is null || y is null || node.Outputs.Count != 1) continue;
                if (y.IsGraphOutput && !(x.Producer is not null && x.Owner == g && !x.IsGraphOutput && !x.IsGraphInput && !x.IsInitializer))
                    continue;
                g.ReplaceAllUses(y, x);
                g.RemoveNode(node);
                removed++;
            }
        }
        return removed == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "identity-removed", null, $"removed {removed} Identity node(s)") });
    }
}
