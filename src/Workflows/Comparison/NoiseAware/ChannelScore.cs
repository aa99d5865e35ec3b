namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// The per-channel part of the noise-aware score. A change confined to one channel of C is diluted C-fold in the
/// whole tensor's RMS error, so a 1% change of one channel can hide under a float16 floor that it clears many
/// times within its own channel. Each channel (<see cref="ChannelSlices"/>) is scored by its RMS error against R
/// divided by <see cref="Allowance"/> x its floor: the largest of each noise source's RMS error over that channel,
/// <see cref="NoiseAwareRule.UlpsOfScale"/> float32 ulps of the channel's RMS, and the whole tensor's RMS floor.
/// </summary>
/// <remarks>
/// The whole tensor's floor is the floor's minimum because a channel's own noise is a small, uneven sample: a
/// channel that is mostly zero after a ReLU, or that one engine happens to compute almost exactly, has a floor far
/// below its neighbours', and dividing by it made plain reordering score 28 (native vs ORT, ResNet-18-class model).
/// The allowance of 2 is the max-error's, for the same reason: the worst of hundreds of per-channel ratios is the
/// extreme of a sample, and native vs ORT reach 4.6 in one of the 480 channels of PaddleOCR rec (whole tensor 1.7).
/// </remarks>
public readonly record struct ChannelScore(double Score, int Channel, double ErrorRms, double FloorRms, string FloorSetBy)
{
    /// <summary>The factor on a channel's floor: a channel scores its RMS error divided by Allowance x floor.</summary>
    public const double Allowance = 2;

    /// <summary>The highest-scoring channel of B (values <paramref name="b"/>) against R (<paramref name="r"/>).</summary>
    public static ChannelScore Worst(ChannelSlices slices, ReadOnlySpan<double> b, ReadOnlySpan<double> r, IReadOnlyList<NoiseSource> noise,
        double wholeFloorRms, string wholeFloorSetBy)
    {
        var error = slices.Rms(b, r);
        var scale = slices.Rms(r, default);
        var best = new ChannelScore(-1, -1, 0, 0, "");
        for (int c = 0; c < slices.Count; c++)
        {
            double floor = wholeFloorRms;
            string setBy = $"the whole output's floor ({wholeFloorSetBy})";
            foreach (var s in noise)
                if (s.ChannelRms is { } rms && c < rms.Length && rms[c] > floor) { floor = rms[c]; setBy = s.Name; }
            double ulps = NoiseAwareRule.UlpsOfScale * NoiseAwareRule.Float32Ulp(scale[c]);
            if (ulps > floor) { floor = ulps; setBy = $"{NoiseAwareRule.UlpsOfScale} float32 ulps of the channel's rms {scale[c]:G3}"; }
            double score = error[c] / (Allowance * floor);
            if (double.IsNaN(score)) score = double.PositiveInfinity;
            if (score > best.Score) best = new ChannelScore(score, c, error[c], floor, setBy);
        }
        return best;
    }
}
