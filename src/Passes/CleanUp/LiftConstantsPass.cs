using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `lift-constants`: a Constant node becomes an initializer of the same name and value. Initializers are
/// what other tools (and the folds' shared-weight checks) look at, and they can move to external data.
/// Left alone: Constants whose output is a graph output (an output must be computed by a node), and the
/// forms the IR does not read as tensors (sparse, strings).
/// </summary>
public sealed class LiftConstantsPass : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "lift-constants";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "Turn Constant nodes into initializers.";
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        int lifted = 0;
        foreach (var g in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in g.Nodes.Where(n => n.OpType == "Constant" && n.Domain == "").ToList())
            {
                var output = node.Output(0);
                if (output is null || node.Outputs.Count != 1 || output.IsGraphOutput) continue;
                var tensor = node.ConstantValue();
                if (tensor is null || tensor.ElementType == ElementType.String) continue;
                string name = output.Name;
                var init = GraphConstants.Add(g, name + ".lifted", tensor);
                g.ReplaceAllUses(output, init);
                g.RemoveNode(node);
                g.Rename(init, name);
                lifted++;
            }
        }
        return lifted == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "constants-lifted", null, $"turned {lifted} Constant node(s) into initializers") });
    }
}
