using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The new weight and bias of one linear op that absorbs a per-channel x·s + t on its data input (the forward
/// fold). The scale always moves exactly into the weight's input-channel slices. The shift becomes a bias only
/// where every output element sums each input channel's taps the same way: a Gemm always (Σ_k t[k]·B[k, n]); a
/// Conv when it zero-pads nothing; a ConvTranspose only with a 1×1 kernel, stride 1 and no padding, since
/// otherwise its output positions receive different numbers of taps (the borders fewer, and with a stride some
/// positions none), so the shift would add a position-dependent term.
/// </summary>
internal static class ForwardFoldConsumer
{
    public static bool CanAbsorb(Node n) => n is { Domain: "", OpType: "Conv" or "ConvTranspose" or "Gemm" };

    /// <summary>The axis of the data input that the op contracts as its input channels.</summary>
    public static int InputChannelAxis(Node n) => n.OpType == "Gemm" && n.GetInt("transA", 0) != 0 ? 0 : 1;

    public static IReadOnlyList<InputReplacement>? TryPlan(Node consumer, double[] scale, double[] shift, out FoldRefusal? refusal) =>
        consumer.OpType switch
        {
            "Conv" => Conv(consumer, scale, shift, out refusal),
            "ConvTranspose" => ConvTranspose(consumer, scale, shift, out refusal),
            _ => Gemm(consumer, scale, shift, out refusal),
        };

    private static IReadOnlyList<InputReplacement>? Conv(Node conv, double[] s, double[] t, out FoldRefusal? refusal)
    {
        var w = Weight(conv, out refusal);
        if (w is null) return null;
        long group = conv.GetInt("group", 1);
        long cout = w.Dims[0], cinPerGroup = w.Dims[1];
        if (group < 1 || cout % group != 0 || !Channels(conv, ref s, ref t, cinPerGroup * group, out refusal)) return Fail(ref refusal, conv);
        if (!IsZero(t) && !FoldBatchNormForward.PadsNothing(conv, w))
            return Refuse(out refusal, FoldRefusalCodes.PaddingNotExact, $"{conv.Describe()} zero-pads its input, where the shift would be lost");
        var bias = FoldBatchNormIntoConv.ReadBias(conv, cout, out refusal);
        if (bias is null) return null;
        var wv = w.ToDoubles();
        long kernel = cout * cinPerGroup == 0 ? 0 : wv.Length / (cout * cinPerGroup);
        long coutPerGroup = cout / group;
        for (long idx = 0; idx < wv.Length; idx++)
        {
            long o = idx / (cinPerGroup * kernel), i = idx / kernel % cinPerGroup;
            long channel = o / coutPerGroup * cinPerGroup + i;
            bias[o] += wv[idx] * t[channel];
            wv[idx] *= s[channel];
        }
        return Replacements(conv, w, wv, bias, out refusal);
    }

    private static IReadOnlyList<InputReplacement>? ConvTranspose(Node convT, double[] s, double[] t, out FoldRefusal? refusal)
    {
        var w = Weight(convT, out refusal);
        if (w is null) return null;
        long group = convT.GetInt("group", 1);
        long cin = w.Dims[0], coutPerGroup = w.Dims[1];
        if (group < 1 || cin % group != 0 || !Channels(convT, ref s, ref t, cin, out refusal)) return Fail(ref refusal, convT);
        if (!IsZero(t) && !OneTapPerPosition(convT, w))
            return Refuse(out refusal, FoldRefusalCodes.ShiftNotUniform,
                $"{convT.Describe()} (kernel [{string.Join("×", w.Dims.Skip(2))}], strides [{string.Join(", ", convT.GetInts("strides") ?? Array.Empty<long>())}]) gives its output positions different numbers of taps, so the shift would not become a per-channel bias");
        long cout = coutPerGroup * group, cinPerGroup = cin / group;
        var bias = FoldBatchNormIntoConv.ReadBias(convT, cout, out refusal);
        if (bias is null) return null;
        var wv = w.ToDoubles();
        long kernel = cin * coutPerGroup == 0 ? 0 : wv.Length / (cin * coutPerGroup);
        for (long idx = 0; idx < wv.Length; idx++)
        {
            long i = idx / (coutPerGroup * kernel), o = idx / kernel % coutPerGroup;
            // Only reached with a shift when the kernel is 1×1: each output position takes this one tap.
            bias[i / cinPerGroup * coutPerGroup + o] += wv[idx] * t[i];
            wv[idx] *= s[i];
        }
        return Replacements(convT, w, wv, bias, out refusal);
    }

    /// <summary>α·(A·diag(s) + 1·tᵀ)·B' + β·C = α·A·(diag(s)·B') + β·(C + (α/β)·tᵀB').</summary>
    private static IReadOnlyList<InputReplacement>? Gemm(Node gemm, double[] s, double[] t, out FoldRefusal? refusal)
    {
        var b = FoldBatchNorm.RequireConstant(gemm, 1, "B", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (b is null) return null;
        if (b.Rank != 2)
            return Refuse(out refusal, FoldRefusalCodes.UnsupportedWeightShape, $"the B of {gemm.Describe()} has rank {b.Rank}");
        bool transB = gemm.GetInt("transB", 0) != 0;
        long k = transB ? b.Dims[1] : b.Dims[0], n = transB ? b.Dims[0] : b.Dims[1];
        if (!Channels(gemm, ref s, ref t, k, out refusal)) return Fail(ref refusal, gemm);
        double alpha = gemm.GetFloat("alpha", 1f), beta = gemm.GetFloat("beta", 1f);
        var bv = b.ToDoubles();
        var d = new double[n];
        for (long idx = 0; idx < bv.Length; idx++)
        {
            long row = transB ? idx % k : idx / n, col = transB ? idx / k : idx % n;
            d[col] += alpha * t[row] * bv[idx];
            bv[idx] *= s[row];
        }
        var newB = FoldedTensor.TryCreate("", b.ElementType, b.Dims, bv, "weight", out refusal);
        if (newB is null) return null;
        var replacements = new List<InputReplacement> { new(1, FoldBatchNorm.Hint(gemm.Input(1), gemm, "B"), newB) };
        if (IsZero(t)) return replacements;
        if (beta == 0)
            return Refuse(out refusal, FoldRefusalCodes.GemmBetaZero, $"{gemm.Describe()} has beta 0, so its C cannot carry the shift");
        long[] cDims = new[] { n };
        double[] c = new double[n];
        if (gemm.Input(2) is not null)
        {
            var ct = FoldBatchNorm.RequireConstant(gemm, 2, "C", FoldRefusalCodes.BiasNotConstant, out refusal);
            if (ct is null) return null;
            if (ct.Rank > 2 || ct.Rank >= 1 && ct.Dims[^1] != n && ct.Dims[^1] != 1)
                return Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, $"the C of {gemm.Describe()} has shape [{string.Join(", ", ct.Dims)}], not broadcastable to [M, {n}]");
            long rows = ct.Rank == 2 ? ct.Dims[0] : 1;
            cDims = ct.Rank == 2 ? new[] { rows, n } : new[] { n };
            var cv = ct.ToDoubles();
            c = new double[rows * n];
            long cCols = ct.Rank == 0 ? 1 : ct.Dims[^1];
            for (long r = 0; r < rows; r++)
                for (long j = 0; j < n; j++) c[r * n + j] = cv[r * cCols + (cCols == 1 ? 0 : j)];
        }
        for (long idx = 0; idx < c.Length; idx++) c[idx] += d[idx % n] / beta;
        var newC = FoldedTensor.TryCreate("", b.ElementType, cDims, c, "bias", out refusal);
        if (newC is null) return null;
        replacements.Add(new InputReplacement(2, FoldBatchNorm.Hint(gemm.Input(2), gemm, "C"), newC));
        return replacements;
    }

    /// <summary>A 1×1 kernel, stride 1, no padding and no output_padding/output_shape: every output position is one tap of one input position.</summary>
    private static bool OneTapPerPosition(Node convT, Tensor w) =>
        w.Dims.Skip(2).All(k => k == 1)
        && (convT.GetInts("strides") ?? Array.Empty<long>()).All(x => x == 1)
        && (convT.GetInts("output_padding") ?? Array.Empty<long>()).All(x => x == 0)
        && !convT.HasAttribute("output_shape")
        && FoldBatchNormForward.PadsNothing(convT, w);

    private static Tensor? Weight(Node op, out FoldRefusal? refusal)
    {
        var w = FoldBatchNorm.RequireConstant(op, 1, "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (w is null) return null;
        return w.Rank is < 3 or > 5
            ? Refuse<Tensor>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, $"the weight of {op.Describe()} has rank {w.Rank}")
            : w;
    }

    /// <summary>Brings s and t to the op's input-channel count (one value stands for all channels).</summary>
    private static bool Channels(Node op, ref double[] s, ref double[] t, long channels, out FoldRefusal? refusal)
    {
        refusal = null;
        if (s.Length == 1 && channels != 1) s = Enumerable.Repeat(s[0], checked((int)channels)).ToArray();
        if (t.Length == 1 && channels != 1) t = Enumerable.Repeat(t[0], checked((int)channels)).ToArray();
        if (s.Length == channels && t.Length == channels) return true;
        refusal = new FoldRefusal(FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
            $"it has {Math.Max(s.Length, t.Length)} channels but {op.Describe()} reads {channels}");
        return false;
    }

    private static IReadOnlyList<InputReplacement>? Replacements(Node op, Tensor w, double[] wv, double[] bias, out FoldRefusal? refusal)
    {
        var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, wv, "weight", out refusal);
        if (wt is null) return null;
        var bt = FoldedTensor.TryCreate("", w.ElementType, new[] { bias.LongLength }, bias, "bias", out refusal);
        if (bt is null) return null;
        return new[]
        {
            new InputReplacement(1, FoldBatchNorm.Hint(op.Input(1), op, "weight"), wt),
            new InputReplacement(2, FoldBatchNorm.Hint(op.Input(2), op, "bias"), bt),
        };
    }

    private static bool IsZero(double[] t) => t.All(x => x == 0);

    private static IReadOnlyList<InputReplacement>? Fail(ref FoldRefusal? refusal, Node op)
    {
        refusal ??= new FoldRefusal(FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning, $"{op.Describe()} has an invalid group");
        return null;
    }

    private static IReadOnlyList<InputReplacement>? Refuse(out FoldRefusal? refusal, string code, string message) =>
        Refuse<IReadOnlyList<InputReplacement>>(out refusal, code, message);

    private static T? Refuse<T>(out FoldRefusal? refusal, string code, string message) where T : class =>
        FoldBatchNorm.Refuse<T>(out refusal, code, DiagnosticSeverity.Info, message);
}
