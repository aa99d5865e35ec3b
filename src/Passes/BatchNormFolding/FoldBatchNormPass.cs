using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn`: the affine engine's BatchNormalization rule, backward only (<see cref="BatchNormRule"/>): every
/// inference-mode BN folds into the Conv, ConvTranspose, Gemm or MatMul that produces its input, in the main
/// graph and in every If/Loop/Scan body. Each BN left alone gets a diagnostic with the reason. The default
/// pipeline runs the whole engine (`fold-affine`) instead.
/// </summary>
public sealed class FoldBatchNormPass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-bn";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Fold BatchNormalization into the Conv/ConvTranspose/Gemm/MatMul before it (fold-affine's BN rule, backward only).";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session) =>
        RewriteDriver.Result(RewriteDriver.Sweep(model, session, BatchNormRule.For(arithmetic, BatchNormRule.Directions.Backward)));
}
