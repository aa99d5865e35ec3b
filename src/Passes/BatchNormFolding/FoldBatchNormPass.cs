using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn`: folds every inference-mode BatchNormalization into the Conv, ConvTranspose, Gemm or MatMul
/// that produces its input, in the main graph and in every If/Loop/Scan body. The decision and the math
/// are in <see cref="FoldBatchNorm"/>; each BN left alone gets a diagnostic with the reason.
/// </summary>
public sealed class FoldBatchNormPass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : IPass
{
    public const string PassName = "fold-bn";

    public string Name => PassName;
    public string Description => "Fold BatchNormalization into the Conv/ConvTranspose/Gemm/MatMul before it.";
    public bool IsAnalysis => false;

    public PassResult Run(Model model)
    {
        var diagnostics = new List<Diagnostic>();
        bool modified = false;
        foreach (var bn in BatchNormNodes.In(model))
        {
            var plan = BatchNormFold.TryPlan(bn, out var refusal, arithmetic);
            if (plan is null)
            {
                diagnostics.Add(refusal!.ToDiagnostic(bn.Name));
                continue;
            }
            string message = plan.Describe();
            plan.Apply();
            modified = true;
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.FoldedInto(plan.TargetKind), bn.Name, message));
        }
        return new PassResult(modified, diagnostics);
    }
}
