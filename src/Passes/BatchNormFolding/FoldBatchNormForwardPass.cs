using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn-forward`: folds a BN into the Convs that read it (see <see cref="FoldBatchNormForward"/>). Runs
/// after fold-bn in the default pipeline, so it sees the BNs that had no Conv before them.
/// </summary>
public sealed class FoldBatchNormForwardPass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : IPass
{
    public const string PassName = "fold-bn-forward";

    public string Name => PassName;
    public string Description => "Fold a BatchNormalization into the Conv after it, where padding allows it exactly.";
    public bool IsAnalysis => false;

    public PassResult Run(Model model)
    {
        var diagnostics = new List<Diagnostic>();
        bool modified = false;
        foreach (var bn in BatchNormNodes.In(model))
        {
            var plan = FoldBatchNormForward.TryPlan(bn, out var refusal, arithmetic);
            if (plan is null)
            {
                diagnostics.Add(refusal!.ToDiagnostic(bn.Name));
                continue;
            }
            string into = string.Join(", ", plan.Consumers.Select(c => c.Conv.Describe()));
            FoldBatchNormForward.Apply(plan);
            modified = true;
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.FoldedForwardIntoConv, bn.Name, $"folded forward into {into}"));
        }
        return new PassResult(modified, diagnostics);
    }
}
