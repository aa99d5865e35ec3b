using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn`: the affine engine's BatchNormalization rule, backward only (<see cref="BatchNormRule"/>): every
/// inference-mode BN folds into the Conv, ConvTranspose, Gemm or MatMul that produces its input, in the main
/// graph and in every If/Loop/Scan body. Each BN left alone gets a diagnostic with the reason. The default
/// pipeline runs the whole engine (`fold-affine`) instead.
/// </summary>
public sealed class FoldBatchNormPass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-bn";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "Fold BatchNormalization into the Conv/ConvTranspose/Gemm/MatMul before it (fold-affine's BN rule, backward only).";
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model) => RunRule(model, arithmetic, BatchNormRule.Directions.Backward);

    internal static PassResult RunRule(Model model, BatchNormArithmetic arithmetic, BatchNormRule.Directions directions)
    {
        var diagnostics = new List<Diagnostic>();
        bool modified = false;
        foreach (var bn in BatchNormNodes.In(model))
        {
            diagnostics.Add(BatchNormRule.Apply(bn, arithmetic, directions, out bool folded));
            modified |= folded;
        }
        return new PassResult(modified, diagnostics);
    }
}
