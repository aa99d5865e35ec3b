using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The end of a backward walk: the Conv, ConvTranspose, Gemm or MatMul whose output channels take the
/// affine. It checks that the channel axis is that op's output-channel axis (1 for Conv/ConvTranspose/Gemm,
/// the last for MatMul) and reuses the BN folds' arithmetic (double, rounded once, new initializers).
/// </summary>
internal static class LinearTarget
{
    public static AffineFoldPlan? TryPlan(Node source, int dataIndex, IReadOnlyList<(Node, int)> absorbed, IReadOnlyList<string> path,
        Node target, double[] s, double[] t, int? axis, int? rank, out FoldRefusal? refusal)
    {
        var w = FoldBatchNorm.RequireConstant(target, 1, target.OpType == "Gemm" ? "weight (B)" : "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (w is null) return null;
        long channels;
        int outRank;
        int? channelAxis;
        switch (target.OpType)
        {
            case "Conv":
                outRank = w.Rank; channelAxis = 1; channels = w.Rank > 0 ? w.Dims[0] : 0; break;
            case "ConvTranspose":
                outRank = w.Rank; channelAxis = 1; channels = w.Rank > 1 ? w.Dims[1] * target.GetInt("group", 1) : 0; break;
            case "Gemm":
                outRank = 2; channelAxis = 1; channels = w.Rank == 2 ? (target.GetInt("transB", 0) != 0 ? w.Dims[0] : w.Dims[1]) : 0; break;
            default:
                if (w.Rank != 2)
                    return AffineBackwardFold.Refuse(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                        $"the weight of {target.Describe()} has rank {w.Rank}, not 2");
                outRank = rank ?? ValueRank.Of(target.Output(0)) ?? -1;
                channelAxis = outRank > 0 ? outRank - 1 : null;
                channels = w.Dims[1];
                break;
        }
        if (axis is { } a)
        {
            int normalized = a < 0 && outRank > 0 ? a + outRank : a;
            bool ok = channelAxis is { } ca ? normalized == ca : a == -1;
            if (!ok)
                return AffineBackwardFold.Refuse(out refusal, FoldRefusalCodes.ChannelAxisNotOutputChannels, DiagnosticSeverity.Info,
                    $"its per-channel axis {a} is not the output-channel axis of {target.Describe()} ({(target.OpType == "MatMul" ? "its last axis" : "axis 1")}{(outRank > 0 ? $" of rank {outRank}" : ", rank unknown")})");
        }
        if (s.Length != 1 && s.Length != channels || t.Length != 1 && t.Length != channels)
            return AffineBackwardFold.Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                $"it has {Math.Max(s.Length, t.Length)} channels but {target.Describe()} produces {channels}");
        var affine = new ChannelAffineValues(Expand(s, channels), Expand(t, channels));

        if (target.OpType == "MatMul" && ValueRank.Of(target.Input(0)) != 2)
            return MatMulWithBias(source, dataIndex, absorbed, path, target, w, affine, out refusal);
        var plan = target.OpType switch
        {
            "Conv" => FoldBatchNormIntoConv.TryPlan(source, target, affine, out refusal),
            "ConvTranspose" => FoldBatchNormIntoConvTranspose.TryPlan(source, target, affine, out refusal),
            "Gemm" => FoldBatchNormIntoGemm.TryPlan(source, target, affine, out refusal),
            _ => FoldBatchNormIntoMatMul.TryPlan(source, target, affine, out refusal),
        };
        if (plan is null) return null;
        return new AffineFoldPlan(source, dataIndex, absorbed, target, plan.ProducerKind, plan.Replacements, plan.EditProducer, null) { Path = path };
    }

    /// <summary>A MatMul on N-D input keeps being a MatMul: W·s per column, and the shift as one Add after it.</summary>
    private static AffineFoldPlan? MatMulWithBias(Node source, int dataIndex, IReadOnlyList<(Node, int)> absorbed, IReadOnlyList<string> path,
        Node matMul, Tensor w, ChannelAffineValues affine, out FoldRefusal? refusal)
    {
        long n = w.Dims[1];
        var wv = w.ToDoubles();
        var scale = affine.Scale.AsSpan();
        for (int row = 0; n > 0 && row < wv.Length; row += (int)n)
        {
            var r = wv.AsSpan(row, (int)n);
            for (int j = 0; j < r.Length; j++) r[j] *= scale[j];
        }
        var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, wv, "weight", out refusal);
        if (wt is null) return null;
        Tensor? bias = null;
        if (affine.Shift.Any(x => x != 0))
        {
            bias = FoldedTensor.TryCreate("", w.ElementType, new[] { n }, affine.Shift, "bias", out refusal);
            if (bias is null) return null;
        }
        var replacements = new[] { new InputReplacement(1, FoldBatchNorm.Hint(matMul.Input(1), matMul, "weight"), wt) };
        return new AffineFoldPlan(source, dataIndex, absorbed, matMul, FoldBatchNorm.MatMul, replacements, null, bias) { Path = path };
    }

    private static double[] Expand(double[] v, long channels)
    {
        if (v.Length == channels) return v;
        var r = new double[channels];
        Array.Fill(r, v[0]);
        return r;
    }
}
