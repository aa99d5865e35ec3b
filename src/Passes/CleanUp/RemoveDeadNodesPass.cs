using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `remove-dead`: removes nodes whose outputs nothing reads (repeatedly, so whole dead chains go) and
/// initializers nothing reads. Only standard-domain nodes are removed: a custom op may have effects we
/// cannot see. Graph inputs are never removed (they are the model's interface), except the initializer
/// inputs IR 3 requires.
/// </summary>
public sealed class RemoveDeadNodesPass : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "remove-dead";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Remove nodes and initializers whose results nothing uses.";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        int nodes = 0, initializers = 0, removed;
        // Last node first, so a whole dead chain goes in one sweep; a subgraph's last use of an outer value
        // can free an outer node, hence the repeat.
        do
        {
            removed = RewriteDriver.Sweep(model, session, new RewriteRule(Propose), reverse: true).Count(e => e.Applied);
            nodes += removed;
        } while (removed > 0 && !session.Stopped);
        if (!session.Stopped)
            initializers = RewriteDriver.ApplyPerGraph(model, session, g => g.Initializers.Where(GraphConstants.CanRelease).ToList()
                .Select(v => new RewritePatch(null, $"unused initializer '{v.Name}' released", () => GraphConstants.ReleaseIfUnused(v))));
        return nodes + initializers == 0 ? PassResult.Unchanged
            : new PassResult(true, new[] { new Diagnostic(DiagnosticSeverity.Info, "dead-removed", null, $"removed {nodes} dead node(s) and {initializers} unused initializer(s)") });
    }

    private static RewriteProposal? Propose(Node n)
    {
        if (n.Domain is not ("" or "ai.onnx.ml")) return null;
        if (n.Outputs.Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput))) return null;
        return new RewritePatch(n, $"dead {n.Describe()} removed", () => n.Owner.RemoveNode(n));
    }
}
