using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The affine engine's BatchNormalization rule: an inference BN is one more per-channel map. It folds backward
/// into the op that produces its input (<see cref="BatchNormFold"/>), else forward into the ops that read it
/// (<see cref="FoldBatchNormForward"/>), else it stays with one refusal that gives both reasons. `fold-affine`
/// applies it with the other rules; `fold-bn` and `fold-bn-forward` are its two halves alone.
/// </summary>
internal static class BatchNormRule
{
    [Flags]
    public enum Directions { Backward = 1, Forward = 2, Both = Backward | Forward }

    /// <summary>The patch that folds <paramref name="bn"/> in the first direction that allows it, or why neither does.</summary>
    public static RewriteProposal Propose(Node bn, BatchNormArithmetic arithmetic, Directions directions)
    {
        FoldRefusal? back = null, forward = null;
        if (directions.HasFlag(Directions.Backward))
        {
            var plan = BatchNormFold.TryPlan(bn, out back, arithmetic);
            if (plan is not null)
                return RewritePatch.Reporting(bn, new Diagnostic(DiagnosticSeverity.Info, FoldCodes.FoldedInto(plan.TargetKind), bn.Name, plan.Describe()), plan.Apply);
        }
        if (directions.HasFlag(Directions.Forward))
        {
            var plan = FoldBatchNormForward.TryPlan(bn, out forward, arithmetic);
            if (plan is not null)
            {
                string into = string.Join(", ", plan.Consumers.Select(c => c.Conv.Describe()));
                return RewritePatch.Reporting(bn, new Diagnostic(DiagnosticSeverity.Info, FoldCodes.FoldedForwardIntoConv, bn.Name, $"folded forward into {into}"),
                    () => FoldBatchNormForward.Apply(plan));
            }
        }
        return RewriteProposal.Refuse(Combine(back, forward).ToDiagnostic(bn.Name));
    }

    /// <summary>The rule for the driver: BatchNormalization nodes of the standard domain only.</summary>
    public static IRewriteRule For(BatchNormArithmetic arithmetic, Directions directions) =>
        new RewriteRule(n => BatchNormMode.IsBatchNorm(n) ? Propose(n, arithmetic, directions) : null);

    /// <summary>
    /// The backward reason leads, with its code: the one `inspect` and the optimize report give (the BN
    /// analysis decides backward first too); the forward rule's reason follows.
    /// </summary>
    private static FoldRefusal Combine(FoldRefusal? back, FoldRefusal? forward)
    {
        if (back is null) return forward!;
        if (forward is null || forward.Code == back.Code && forward.Message == back.Message) return back;
        return back with { Message = $"{back.Message}; forward: {forward.Message}" };
    }
}
