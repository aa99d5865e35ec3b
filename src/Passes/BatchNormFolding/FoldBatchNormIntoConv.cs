using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// Conv (1-D/2-D/3-D, any group, dilation, pads or auto_pad) followed by BN. W is [Cout, Cin/group, k...],
/// so output channel o owns the slab W[o, ...]: W'[o,...] = W[o,...]·s[o], b'[o] = b[o]·s[o] + t[o].
/// Grouping, strides and padding do not matter: BN acts on output channels only.
/// </summary>
internal static class FoldBatchNormIntoConv
{
    public static FoldPlan? TryPlan(Node bn, Node conv, IChannelAffine st, out FoldRefusal? refusal)
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

        var newBias = new double[cout];
        for (int o = 0; o < cout; o++) newBias[o] = bias[o] * st.Scale[o] + st.Shift[o];
        long perChannel = cout == 0 ? 0 : w.ElementCount / cout;
        if (w.ElementType == ElementType.Float)
        {
            var folded = ScaleFloatWeights(w, st.Scale, perChannel, out refusal);
            return folded is null ? null : Plan(bn, conv, FoldBatchNorm.Conv, w, folded, newBias, out refusal);
        }
        var wv = w.ToDoubles();
        for (int i = 0; i < wv.Length; i++) wv[i] *= st.Scale[i / perChannel];
        return Plan(bn, conv, FoldBatchNorm.Conv, w, wv, newBias, out refusal);
    }

    /// <summary>
    /// The float32 case, which holds nearly all the weights of a CNN: each product is formed in double and
    /// rounded once, exactly as the generic path does, but without a double copy of the whole tensor.
    /// </summary>
    private static Tensor? ScaleFloatWeights(Tensor w, double[] scale, long perChannel, out FoldRefusal? refusal)
    {
        var src = w.AsSpan<float>();
        // Written straight into the byte buffer the tensor keeps, so the result is never copied; every byte
        // is written below, so the buffer need not be zeroed first.
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)w.ByteLength));
        var dst = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        int slab = checked((int)perChannel);
        for (int o = 0; o < scale.Length; o++)
            ScaleSlab(src.Slice(o * slab, slab), scale[o], dst.Slice(o * slab, slab));
        int bad = FirstNonFinite(dst);
        for (int i = bad; i >= 0 && i < dst.Length; i++)
        {
            if (float.IsFinite(dst[i])) continue;
            double v = src[i] * scale[i / slab];
            if (!double.IsFinite(v)) continue; // a NaN/Inf weight stays what it was
            return FoldBatchNorm.Refuse<Tensor>(out refusal, FoldRefusalCodes.FoldedWeightOverflow, DiagnosticSeverity.Warning,
                $"folded weight[{i}] = {v:G6} does not fit float32");
        }
        refusal = null;
        return Tensor.FromBytes("", ElementType.Float, w.Dims, bytes);
    }

    /// <summary>dst = (float)((double)src · s): the product in double, rounded once, four lanes at a time.</summary>
    private static void ScaleSlab(ReadOnlySpan<float> src, double s, Span<float> dst)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            for (; i <= src.Length - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(src.Slice(i, 8)));
                Vector256.Narrow(lo * sv, hi * sv).CopyTo(dst.Slice(i, 8));
            }
        }
        for (; i < src.Length; i++) dst[i] = (float)(src[i] * s);
    }

    /// <summary>The index of the first NaN or infinity, or -1.</summary>
    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create(0x7F800000u);
            for (; i <= bits.Length - 8; i += 8)
                if (Vector256.EqualsAny(Vector256.Create(bits.Slice(i, 8)) & exponent, exponent)) break;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7F800000u) == 0x7F800000u) return i;
        return -1;
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
        return wt is null ? null : Plan(bn, conv, kind, w, wt, newBias, out refusal);
    }

    /// <summary>Packages the plan for a weight already rounded to its dtype.</summary>
    private static FoldPlan? Plan(Node bn, Node conv, string kind, Tensor w, Tensor wt, double[] newBias, out FoldRefusal? refusal)
    {
        var bt = FoldedTensor.TryCreate("", w.ElementType, new long[] { newBias.Length }, newBias, "bias", out refusal);
        if (bt is null) return null;
        return new FoldPlan(bn, conv, kind, new[]
        {
            new InputReplacement(1, FoldBatchNorm.Hint(conv.Input(1), conv, "weight"), wt),
            new InputReplacement(2, FoldBatchNorm.Hint(conv.Input(2), conv, "bias"), bt),
        });
    }
}
