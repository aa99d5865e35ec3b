using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn-forward`: the affine engine's BatchNormalization rule, forward only (<see cref="BatchNormRule"/>,
/// <see cref="FoldBatchNormForward"/>): a BN moves into the Convs, ConvTransposes or Gemms that read it, where
/// that is exact. The default pipeline runs the whole engine (`fold-affine`) instead.
/// </summary>
public sealed class FoldBatchNormForwardPass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-bn-forward";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Fold a BatchNormalization into the Conv/ConvTranspose/Gemm after it, where that is exact (fold-affine's BN rule, forward only).";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session) =>
        RewriteDriver.Result(RewriteDriver.Sweep(model, session, BatchNormRule.For(arithmetic, BatchNormRule.Directions.Forward)));
}
