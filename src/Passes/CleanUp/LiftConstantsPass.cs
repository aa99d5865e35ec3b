using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `lift-constants`: a Constant node becomes an initializer of the same name and value. Initializers are
/// what other tools (and the folds' shared-weight checks) look at, and they can move to external data.
/// Left alone: Constants whose output is a graph output (an output must be computed by a node), and the
/// forms the IR does not read as tensors (sparse, strings).
/// </summary>
public sealed class LiftConstantsPass : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "lift-constants";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Turn Constant nodes into initializers.";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        int lifted = RewriteDriver.Sweep(model, session, new RewriteRule(Propose)).Count(e => e.Applied);
        return lifted == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "constants-lifted", null, $"turned {lifted} Constant node(s) into initializers") });
    }

    private static RewriteProposal? Propose(Node node)
    {
        if (node is not { OpType: "Constant", Domain: "" }) return null;
        var output = node.Output(0);
        if (output is null || node.Outputs.Count != 1 || output.IsGraphOutput) return null;
        var tensor = node.ConstantValue();
        if (tensor is null || tensor.ElementType == ElementType.String) return null;
        return new RewritePatch(node, $"{node.Describe()} lifted to initializer '{output.Name}'", () =>
        {
            var g = node.Owner;
            string name = output.Name;
            var init = GraphConstants.Add(g, name + ".lifted", tensor);
            g.ReplaceAllUses(output, init);
            g.RemoveNode(node);
            g.Rename(init, name);
        });
    }
}
