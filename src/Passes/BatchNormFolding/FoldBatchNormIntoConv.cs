using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// Conv (1-D/2-D/3-D, any group, dilation, pads or auto_pad) followed by BN. W is [Cout, Cin/group, k...],
/// so output channel o owns the slab W[o, ...]: W'[o,...] = W[o,...]·s[o], b'[o] = b[o]·s[o] + t[o].
/// Grouping, strides and padding do not matter: BN acts on output channels only.
/// </summary>
public static class FoldBatchNormIntoConv
{
    public static FoldPlan? TryPlan(Node bn, Node conv, BatchNormStatistics st, out FoldRefusal? refusal)
    {
        var w = FoldBatchNorm.RequireConstant(conv, 1, "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (w is null) return null;
        if (w.Rank is < 3 or > 5)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                $"the weight of {conv.Describe()} has rank {w.Rank}; 1-D to 3-D convolutions (rank 3 to 5) fold");
        long cout = w.Dims[0];
        if (st.Channels != cout) return FoldBatchNorm.ChannelMismatch(out refusal, conv, st.Channels, cout);
        var bias = ReadBias(conv, cout, out refusal);
        if (bias is null) return null;

        var wv = w.ToDoubles();
        long perChannel = cout == 0 ? 0 : wv.Length / cout;
        for (int i = 0; i < wv.Length; i++) wv[i] *= st.Scale[i / perChannel];
        var newBias = new double[cout];
        for (int o = 0; o < cout; o++) newBias[o] = bias[o] * st.Scale[o] + st.Shift[o];
        return Plan(bn, conv, FoldBatchNorm.Conv, w, wv, newBias, out refusal);
    }

    /// <summary>The Conv/ConvTranspose bias as doubles (zeros when absent), or null with a refusal.</summary>
    internal static double[]? ReadBias(Node conv, long channels, out FoldRefusal? refusal)
    {
        refusal = null;
        if (conv.Input(2) is null) return new double[channels];
        var b = FoldBatchNorm.RequireConstant(conv, 2, "bias", FoldRefusalCodes.BiasNotConstant, out refusal);
        if (b is null) return null;
        if (b.Rank != 1 || b.Dims[0] != channels)
            return FoldBatchNorm.Refuse<double[]>(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                $"the bias of {conv.Describe()} has shape [{string.Join(", ", b.Dims)}], expected [{channels}]");
        return b.ToDoubles();
    }

    /// <summary>Rounds the folded weight and bias to the weight's dtype and packages the plan.</summary>
    internal static FoldPlan? Plan(Node bn, Node conv, string kind, Tensor w, double[] newWeight, double[] newBias, out FoldRefusal? refusal)
    {
        var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, newWeight, "weight", out refusal);
        if (wt is null) return null;
        var bt = FoldedTensor.TryCreate("", w.ElementType, new long[] { newBias.Length }, newBias, "bias", out refusal);
        if (bt is null) return null;
        return new FoldPlan(bn, conv, kind, new[]
        {
            new InputReplacement(1, FoldBatchNorm.Hint(conv.Input(1), conv, "weight"), wt),
            new InputReplacement(2, FoldBatchNorm.Hint(conv.Input(2), conv, "bias"), bt),
        });
    }
}
