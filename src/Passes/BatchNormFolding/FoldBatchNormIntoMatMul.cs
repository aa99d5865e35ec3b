using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// MatMul with a constant 2-D weight followed by BN: the MatMul becomes a Gemm with B' = W·s (per column)
/// and C = t. BN normalises axis 1, which is the MatMul's last axis only when its input is 2-D; for a
/// batched [B, M, K] input axis 1 is M, so the fold is refused unless the input rank is known to be 2.
/// </summary>
internal static class FoldBatchNormIntoMatMul
{
    public static FoldPlan? TryPlan(Node bn, Node matMul, IChannelAffine st, out FoldRefusal? refusal)
    {
        var w = FoldBatchNorm.RequireConstant(matMul, 1, "weight (second input)", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (w is null) return null;
        if (w.Rank != 2)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                $"the weight of {matMul.Describe()} has rank {w.Rank}, not 2");
        int? rank = ValueRank.Of(matMul.Input(0));
        if (rank != 2)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.MatMulInputRankNot2, DiagnosticSeverity.Info,
                $"the input of {matMul.Describe()} has {(rank is null ? "unknown rank" : $"rank {rank}")}; BN's channel axis is the MatMul's output axis only for 2-D input");
        long n = w.Dims[1];
        if (st.Channels != n) return FoldBatchNorm.ChannelMismatch(out refusal, matMul, st.Channels, n);

        var wv = w.ToDoubles();
        for (long i = 0; i < wv.Length; i++) wv[i] *= st.Scale[i % n];
        var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, wv, "weight", out refusal);
        if (wt is null) return null;
        var ct = FoldedTensor.TryCreate("", w.ElementType, new[] { n }, st.Shift, "bias", out refusal);
        if (ct is null) return null;
        return new FoldPlan(bn, matMul, FoldBatchNorm.MatMul, new[]
        {
            new InputReplacement(1, FoldBatchNorm.Hint(matMul.Input(1), matMul, "weight"), wt),
            new InputReplacement(2, FoldBatchNorm.Hint(null, matMul, "bias"), ct),
        }, ToGemm);
    }

    private static void ToGemm(Node node)
    {
        node.OpType = "Gemm";
        FoldBatchNormIntoGemm.SetBetaToOne(node);
    }
}
