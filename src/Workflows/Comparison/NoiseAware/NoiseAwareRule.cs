using OnnxNorm.Ir;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// The noise-aware equivalence rule (see the README, "Equivalence checks"). R is model A run in the float64
/// reference mode. For each floating-point output, B's error against R is divided by the noise floor: the largest
/// of the noise sources given (A's own error against R on the engine that ran it; A's error under declared-type
/// rounding for float16/bfloat16 models) and <see cref="UlpsOfScale"/> float32 ulps of the output's scale (its
/// RMS for the RMS floor, its largest |R| for the max floor). Score = max(RMS error / RMS floor, max error /
/// (<see cref="MaxErrorAllowance"/> x max floor), the worst channel's score (<see cref="ChannelScore"/>, for tensors
/// cut into channels by <see cref="ChannelSlices"/>), the worst channel's proportional slope (<see cref="SlopeScore"/>));
/// B is equivalent when every score is at most <see cref="Threshold"/>, and <see cref="OutputScore.DecidedBy"/> names the rule
/// that set it.
/// </summary>
public static class NoiseAwareRule
{
    /// <summary>
    /// Legitimate reorderings score about 1 (at most 2.0 on the real-model corpus and PaddleOCR: native vs ORT, ORT
    /// optimised vs not, folded vs original, 3 seeds x 2 input distributions); a 1% change of one channel scores 5.2 or
    /// more (ResNet-50's last Conv, one channel of 2048 averaged into the logits, is the lowest; most score hundreds).
    /// </summary>
    public const double Threshold = 4;

    /// <summary>
    /// The largest error of one element is a noisier statistic than the RMS (one sample's extreme): ORT with its
    /// optimisations on lands up to 3.4x ORT-off's largest error on PaddleOCR rec while its RMS stays within 2x. So the
    /// max error is allowed twice the factor the RMS is.
    /// </summary>
    public const double MaxErrorAllowance = 2;

    /// <summary>
    /// Below this many numbers a floor is a small sample. The ratio of two RMS errors of n numbers each spreads like
    /// the square root of an F(n, n) variable: with n = 2 plain noise passes 4 once in 17 tries (PaddleOCR cls's
    /// classifier MatMul, [1,2]: native vs ORT scored 5.3 where ORT's own rounding happened to cancel its inherited
    /// error in one of the two numbers). So a tensor of n &lt; 32 numbers divides its ratios by sqrt(32 / n)
    /// (4 for two numbers: plain noise then passes 16 about once in 250 tries); a real change of a layer moves such a
    /// tensor by orders of magnitude more than its float rounding.
    /// </summary>
    public const int SmallSample = 32;

    /// <summary>The factor the ratios of a tensor of <paramref name="count"/> numbers are divided by (1 from <see cref="SmallSample"/> numbers up).</summary>
    public static double SmallSampleAllowance(long count) => count >= SmallSample || count <= 0 ? 1 : Math.Sqrt((double)SmallSample / count);

    /// <summary>The floor never drops below this many float32 ulps of the output's largest magnitude.</summary>
    public const int UlpsOfScale = 4;

    /// <summary>The verdict on output <paramref name="b"/> against the float64 reference <paramref name="r"/>, with the floor set by the <paramref name="noise"/> sources.</summary>
    public static OutputScore Score(TensorValue b, TensorValue r, IReadOnlyList<NoiseSource> noise) => Score(b, r, noise, 1);

    /// <summary>The same with the channels on <paramref name="channelAxis"/> (<see cref="ChannelAxis"/>; the noise
    /// sources must be measured on the same axis).</summary>
    public static OutputScore Score(TensorValue b, TensorValue r, IReadOnlyList<NoiseSource> noise, int channelAxis)
    {
        if (!b.ElementType.IsFloatingPoint() || !r.ElementType.IsFloatingPoint() || !b.Shape.SequenceEqual(r.Shape))
            return Exact(b, r);
        var rv = r.ToDoubles();
        var bv = b.ToDoubles();
        var err = ErrorNorm.Measure(bv, rv);
        // The output's scale: its RMS for the RMS floor, its largest magnitude for the max floor.
        double scale = 0, sumSq = 0;
        long finite = 0;
        foreach (double v in rv)
            if (double.IsFinite(v)) { scale = Math.Max(scale, Math.Abs(v)); sumSq += v * v; finite++; }
        double rms = finite == 0 ? 0 : Math.Sqrt(sumSq / finite);
        var ulpFloor = new ErrorNorm(UlpsOfScale * Float32Ulp(rms), UlpsOfScale * Float32Ulp(scale), 0);
        var sources = new List<NoiseSource>(noise) { new($"{UlpsOfScale} float32 ulps of the output scale (rms {rms:G3}, max {scale:G3})", ulpFloor) };
        var rmsBy = sources.MaxBy(s => s.Error.Rms)!;
        var maxBy = sources.MaxBy(s => s.Error.Max)!;
        double floorRms = rmsBy.Error.Rms, floorMax = maxBy.Error.Max;
        long allowedNonFinite = noise.Count == 0 ? 0 : noise.Max(s => s.Error.NonFiniteMismatches);
        double small = SmallSampleAllowance(finite);
        double rmsRatio = err.Rms / (small * floorRms), maxRatio = err.Max / (MaxErrorAllowance * small * floorMax);
        string sample = small > 1 ? $" (a sample of {finite} numbers: ratios divided by {small:G3})" : "";
        // A change confined to one channel is diluted over the whole tensor; each channel is scored on its own too.
        var rmsScore = new ChannelScore(rmsRatio, -1, err.Rms, floorRms, rmsBy.Name);
        var slope = new SlopeScore(0, -1, 0, 0, "");
        var slices = ChannelSlices.Of(r.Shape, channelAxis);
        if (slices is not null)
        {
            if (ChannelScore.Worst(slices.Value, bv, rv, noise, floorRms, rmsBy.Name) is var worst && worst.Score > rmsRatio) rmsScore = worst;
            // A scale change of a channel is an error proportional to R: seen as a slope, not only as a size.
            slope = SlopeScore.Worst(ChannelFit.Of(slices.Value, bv, rv), slices.Value.Rms(rv, default), noise);
        }
        double score = Math.Max(Math.Max(rmsScore.Score, maxRatio), slope.Score);
        string decidedBy = slope.Score > Math.Max(rmsScore.Score, maxRatio) ? Decided.Slope : rmsScore.Score >= maxRatio ? Decided.Rms : Decided.Max;
        long extraNonFinite = Math.Max(0, err.NonFiniteMismatches - allowedNonFinite);
        if (extraNonFinite > 0 || double.IsNaN(score)) score = double.PositiveInfinity;
        return new OutputScore
        {
            Score = score,
            Equivalent = score <= Threshold,
            Rule = "noise-aware",
            ErrorRms = rmsScore.ErrorRms,
            ErrorMax = err.Max,
            FloorRms = rmsScore.FloorRms,
            FloorMax = floorMax,
            DecidedBy = decidedBy,
            Slope = slope.Channel >= 0 ? slope.Slope : null,
            SlopeFloor = slope.Channel >= 0 ? slope.Floor : null,
            SlopeScore = slope.Score,
            FloorSetBy = decidedBy switch
            {
                Decided.Slope => $"{ChannelText(slope.Channel, channelAxis, r.Rank)}: slope {slope.Slope:G3} over {slope.FloorSetBy} {slope.Floor:G3}",
                Decided.Max => maxBy.Name,
                _ => rmsScore.Channel >= 0 ? $"{ChannelText(rmsScore.Channel, channelAxis, r.Rank)}: {rmsScore.FloorSetBy}" : rmsScore.FloorSetBy,
            } + sample,
            Channel = decidedBy == Decided.Slope ? slope.Channel : decidedBy == Decided.Rms && rmsScore.Channel >= 0 ? rmsScore.Channel : null,
            ChannelAxis = slices is null ? null : channelAxis < 0 ? channelAxis + r.Rank : channelAxis,
            NonFiniteMismatches = extraNonFinite,
            NoiseSources = sources.ToDictionary(s => s.Name, s => new[] { s.Error.Rms, s.Error.Max }),
        };
    }

    // "channel 3" on axis 1 (NCHW, as the report has always read), "channel 3 on axis 2" on another axis.
    private static string ChannelText(int channel, int axis, int rank)
    {
        int k = axis < 0 ? axis + rank : axis;
        return k == 1 ? $"channel {channel}" : $"channel {channel} on axis {k}";
    }

    /// <summary>The spacing of float32 numbers at <paramref name="scale"/> (the smallest normal's spacing at 0).</summary>
    public static double Float32Ulp(double scale)
    {
        float f = (float)Math.Min(Math.Abs(scale), float.MaxValue);
        return f == float.MaxValue ? f - (double)MathF.BitDecrement(f) : MathF.BitIncrement(f) - (double)f;
    }

    private static OutputScore Exact(TensorValue b, TensorValue r)
    {
        long diff;
        if (!b.Shape.SequenceEqual(r.Shape) || b.ElementType.IsFloatingPoint() != r.ElementType.IsFloatingPoint()
            || (b.ElementType == ElementType.String) != (r.ElementType == ElementType.String)) diff = Math.Max(b.Length, r.Length);
        else if (b.ElementType == ElementType.String)
        {
            var sa = (string[])b.Buffer;
            var sb = (string[])r.Buffer;
            diff = 0;
            for (int i = 0; i < b.Length; i++) if (sa[i] != sb[i]) diff++;
        }
        else
        {
            var x = b.ToDoubles();
            var y = r.ToDoubles();
            diff = 0;
            for (int i = 0; i < x.Length; i++) if (x[i] != y[i]) diff++;
        }
        return new OutputScore { Score = diff == 0 ? 0 : double.PositiveInfinity, Equivalent = diff == 0, Rule = "exact", DecidedBy = Decided.Exact, ExactMismatches = diff };
    }
}
