using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The backward fold of one BatchNormalization, as fold-bn, the optimize report and `inspect` all decide it:
/// straight into the Conv/ConvTranspose/Gemm/MatMul that produces its input (<see cref="FoldBatchNorm"/>,
/// with its refusals), and where a per-channel Add/Mul or a Transpose/Reshape/Flatten stands in between
/// (ConvTranspose → bias Add → BN, MatMul → Reshape → BN), through the affine engine's walk.
/// </summary>
internal static class BatchNormFold
{
    private static readonly HashSet<string> PathOps = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Transpose", "Reshape", "Flatten",
    };

    public static AffineFoldPlan? TryPlan(Node bn, out FoldRefusal? refusal, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var direct = FoldBatchNorm.TryPlan(bn, out refusal, arithmetic);
        if (direct is not null)
            return new AffineFoldPlan(bn, 0, Array.Empty<(Node, int)>(), direct.Producer, direct.ProducerKind, direct.Replacements, direct.EditProducer, null);
        // Only a producer the walk can pass gets a second opinion; anything else keeps the direct refusal.
        if (refusal!.Code != FoldRefusalCodes.UnsupportedProducer
            || bn.Input(0)?.Producer is not { Domain: "" } p || !PathOps.Contains(p.OpType))
            return null;
        var st = BatchNormStatistics.TryRead(bn, out refusal, arithmetic)!;
        // BN normalises axis 1 and its parameters are 1-D: they never broadcast the output.
        return AffineBackwardFold.TryPlan(bn, 0, st.Scale, st.Shift, axis: 1, constantRank: 0, out refusal);
    }
}
