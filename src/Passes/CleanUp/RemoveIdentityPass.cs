using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `remove-identity`: readers of an Identity's output read its input instead. A graph output keeps its
/// name: the input value takes it over, which is only possible when the input is a node output of the same
/// graph; otherwise that Identity stays (it is what gives the output its name).
/// </summary>
public sealed class RemoveIdentityPass : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "remove-identity";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Remove Identity nodes, keeping graph output names.";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        int removed = RewriteDriver.Sweep(model, session, new RewriteRule(Propose)).Count(e => e.Applied);
        return removed == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "identity-removed", null, $"removed {removed} Identity node(s)") });
    }

    private static RewriteProposal? Propose(Node node)
    {
        if (node is not { OpType: "Identity", Domain: "" }) return null;
        var g = node.Owner;
        var x = node.Input(0);
        var y = node.Output(0);
        if (x is null || y is null || node.Outputs.Count != 1) return null;
        if (y.IsGraphOutput && !(x.Producer is not null && x.Owner == g && !x.IsGraphOutput && !x.IsGraphInput && !x.IsInitializer))
            return null;
        return new RewritePatch(node, $"{node.Describe()} removed", () =>
        {
            g.ReplaceAllUses(y, x);
            g.RemoveNode(node);
        });
    }
}
