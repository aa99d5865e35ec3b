using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `remove-dead`: removes nodes whose outputs nothing reads (repeatedly, so whole dead chains go) and
/// initializers nothing reads. Only standard-domain nodes are removed: a custom op may have effects we
/// cannot see. Graph inputs are never removed (they are the model's interface), except the initializer
/// inputs IR 3 requires.
/// </summary>
public sealed class RemoveDeadNodesPass : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "remove-dead";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "Remove nodes and initializers whose results nothing uses.";
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        int nodes = 0, initializers = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var g in model.Graph.AllGraphs().ToList())
            {
                for (int i = g.Nodes.Count - 1; i >= 0; i--)
                {
                    var n = g.Nodes[i];
                    if (n.Domain is not ("" or "ai.onnx.ml")) continue;
                    if (n.Outputs.Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput))) continue;
                    g.RemoveNode(n);
                    nodes++;
                    changed = true;
                }
            }
        }
        foreach (var g in model.Graph.AllGraphs().ToList())
            foreach (var v in g.Initializers.ToList())
                if (v.Uses.Count == 0 && GraphConstants.ReleaseIfUnused(v)) initializers++;
        return nodes + initializers == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "dead-removed", null, $"removed {nodes} dead node(s) and {initializers} unused initializer(s)") });
    }
}
