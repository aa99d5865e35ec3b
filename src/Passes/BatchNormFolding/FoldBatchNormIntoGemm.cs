using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// Gemm followed by BN. Y = α·A'·B' + β·C is [M, N] and BN scales column n by s[n], so
/// BN(Y) = α·A'·(B'·s) + (β·C·s + t). B' column n is B[:, n] (transB=0) or B[n, :] (transB=1); α stays.
/// The whole additive term becomes the new C, written with β=1: dividing by the old β would fail for β=0
/// and round twice otherwise. C may be absent, a scalar, [N], [1,N], [M,1] or [M,N]; the new C keeps its
/// leading dim and widens a trailing 1 to N.
/// </summary>
internal static class FoldBatchNormIntoGemm
{
    public static FoldPlan? TryPlan(Node bn, Node gemm, IChannelAffine st, out FoldRefusal? refusal)
    {
        var b = FoldBatchNorm.RequireConstant(gemm, 1, "weight (B)", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (b is null) return null;
        if (b.Rank != 2)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                $"the B input of {gemm.Describe()} has rank {b.Rank}, not 2");
        bool transB = gemm.GetInt("transB", 0) != 0;
        long n = transB ? b.Dims[0] : b.Dims[1];
        if (st.Channels != n) return FoldBatchNorm.ChannelMismatch(out refusal, gemm, st.Channels, n);

        double beta = gemm.GetFloat("beta", 1f);
        Tensor? c = null;
        if (gemm.Input(2) is not null)
        {
            c = FoldBatchNorm.RequireConstant(gemm, 2, "C", FoldRefusalCodes.BiasNotConstant, out refusal);
            if (c is null) return null;
            if (c.Rank > 2 || (c.Rank >= 1 && c.Dims[^1] != 1 && c.Dims[^1] != n))
                return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                    $"C of {gemm.Describe()} has shape [{string.Join(", ", c.Dims)}], which does not broadcast to [M, {n}]");
        }

        var bv = b.ToDoubles();
        long k = bv.Length / Math.Max(n, 1);
        for (long i = 0; i < bv.Length; i++) bv[i] *= st.Scale[transB ? i / k : i % n];

        long rows = c is { Rank: 2 } ? c.Dims[0] : 1;
        long[] newCDims = c is { Rank: 2 } ? new[] { rows, n } : new[] { n };
        var newC = new double[rows * n];
        var cv = c?.ToDoubles();
        long cCols = c is null || c.Rank == 0 ? 1 : c.Dims[^1];
        for (long r = 0; r < rows; r++)
            for (long j = 0; j < n; j++)
            {
                double cval = cv is null ? 0 : cv[r * cCols + (cCols == 1 ? 0 : j)];
                newC[r * n + j] = beta * cval * st.Scale[j] + st.Shift[j];
            }

        var bt = FoldedTensor.TryCreate("", b.ElementType, b.Dims, bv, "B", out refusal);
        if (bt is null) return null;
        var ct = FoldedTensor.TryCreate("", b.ElementType, newCDims, newC, "C", out refusal);
        if (ct is null) return null;
        return new FoldPlan(bn, gemm, FoldBatchNorm.Gemm, new[]
        {
            new InputReplacement(1, FoldBatchNorm.Hint(gemm.Input(1), gemm, "B"), bt),
            new InputReplacement(2, FoldBatchNorm.Hint(gemm.Input(2), gemm, "C"), ct),
        }, SetBetaToOne);
    }

    internal static void SetBetaToOne(Node gemm)
    {
        gemm.SetFloat("beta", 1f);
        // Gemm before opset 7 broadcasts C only when asked to.
        if (gemm.Opset < 7) gemm.SetInt("broadcast", 1);
    }
}
