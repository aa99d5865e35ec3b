using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-affine`, the per-channel affine engine: every inference BatchNormalization (<see cref="BatchNormRule"/>:
/// backward, else forward, else one refusal) and every Mul/Add/Sub/Div of an activation by a per-channel constant is folded backward into
/// the Conv, ConvTranspose, Gemm or MatMul that computes the activation (a Conv's bias Add, ConvNeXt's layer
/// scale after MatMul → Add → Transpose, a Conv followed by Mul and Add), by the affine engine
/// (<see cref="AffineBackwardFold"/>); where that is refused, forward into the Convs that read it
/// (<see cref="AffineForwardFold"/>: GroupNorm's exported Mul/Add before a 1×1 Conv). InstanceNormalization's
/// scale and B move forward the same way into Convs, LayerNormalization's into MatMuls (<see cref="LayerNormAffineFold"/>). A MatMul's own bias Add on N-D input is already its canonical form
/// and is left alone. Each one left gets a coded reason.
/// </summary>
public sealed class FoldAffinePass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-affine";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "The per-channel affine engine: fold inference BatchNormalization and per-channel Mul/Add/Sub/Div by constants into the Conv/ConvTranspose/Gemm/MatMul before them (or the Conv/ConvTranspose/Gemm/MatMul after them), and the scale and B of InstanceNormalization and LayerNormalization into the ops after them.";

    // A fold can open another (GroupNorm's Mul can move into the Conv only once the Add after it has), so
    // the driver sweeps until nothing changes; the refusals of the last sweep are the ones that stand.
    private const int MaxSweeps = 8;

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session) =>
        RewriteDriver.Result(RewriteDriver.SweepUntilSettled(model, session, Rules(arithmetic), MaxSweeps));

    /// <summary>The engine's rules, in the order they are asked.</summary>
    public static IReadOnlyList<IRewriteRule> Rules(BatchNormArithmetic arithmetic) => new IRewriteRule[]
    {
        BatchNormRule.For(arithmetic, BatchNormRule.Directions.Both),
        new RewriteRule(ProposeInstanceNorm),
        new RewriteRule(ProposeLayerNorm),
        new RewriteRule(ProposeElementwise),
    };

    private static RewriteProposal? ProposeInstanceNorm(Node node)
    {
        if (node is not { OpType: "InstanceNormalization", Domain: "" }) return null;
        var np = AffineForwardFold.TryPlanNormAffine(node, out var why);
        if (np is null) return why is null ? null : RewriteProposal.Refuse(why.ToDiagnostic(NameOf(node)));
        return RewritePatch.Reporting(node, new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedForwardIntoConv, NameOf(node),
            $"its scale and B folded forward into {string.Join(", ", np.Consumers.Select(c => c.Conv.Describe()))}"),
            () => AffineForwardFold.ApplyNormAffine(np, node));
    }

    private static RewriteProposal? ProposeLayerNorm(Node node)
    {
        if (node is not { OpType: "LayerNormalization", Domain: "" }) return null;
        var lp = LayerNormAffineFold.TryPlan(node, out var why);
        if (lp is null) return why is null ? null : RewriteProposal.Refuse(why.ToDiagnostic(NameOf(node)));
        return RewritePatch.Reporting(node, new Diagnostic(DiagnosticSeverity.Info,
            lp.Linear is null ? FoldCodes.AffineFoldedForwardIntoMatMul : FoldCodes.AffineFoldedForwardIntoConv, NameOf(node),
            $"its scale and B folded forward into {lp.Targets}"), () => LayerNormAffineFold.Apply(lp));
    }

    private static RewriteProposal? ProposeElementwise(Node node)
    {
        if (!ElementwiseAffine.IsCandidate(node)) return null;
        var d = AffineDecision.Of(node, out var notAffine);
        if (d is null) return notAffine is null ? null : RewriteProposal.Refuse(notAffine.ToDiagnostic(NameOf(node)));
        if (d.Backward is { } plan)
            return Folded(node, FoldCodes.AffineFoldedInto(plan.TargetKind), plan.Describe(), plan.Apply);
        if (d.Forward is { } forward)
            return Folded(node, FoldCodes.AffineFoldedForwardIntoConv, $"folded {d.FoldInto}", () => AffineForwardFold.Apply(forward, d.Affine));
        if (d.ForwardMatMuls is { } matMuls)
            return Folded(node, FoldCodes.AffineFoldedForwardIntoMatMul, $"folded {d.FoldInto}", () =>
            {
                LayerNormAffineFold.ApplyToMatMuls(matMuls);
                AffineFoldPlan.Bypass(node, d.Affine.DataIndex);
            });
        return RewriteProposal.Refuse(d.Refusal!.ToDiagnostic(NameOf(node)));
    }

    private static RewritePatch Folded(Node node, string code, string message, Action edits) =>
        RewritePatch.Reporting(node, new Diagnostic(DiagnosticSeverity.Info, code, NameOf(node), message), edits);

    private static string NameOf(Node n) => n.Name.Length > 0 ? n.Name : n.Output(0)?.Name ?? n.OpType;
}
