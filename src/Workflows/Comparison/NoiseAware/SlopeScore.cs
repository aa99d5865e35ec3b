namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// The proportional part of the noise-aware score: a channel changed by a scale s has an error s·R, which the RMS
/// rule sees only as a size (1% of the channel against a float16 floor of 0.2-0.4% of it) but a line through the
/// error against R sees as a slope many standard errors from 0 (<see cref="ChannelFit"/>). Each channel's score is
/// the error B's slope explains, |slope| x the channel's RMS, divided by <see cref="Allowance"/> x its floor, the
/// largest of: B's own standard error, each noise source's |slope| and standard error in that channel (a legitimate
/// engine can be proportionally off too: float16 rounding of a BN scale, an approximate function), each noise source's
/// proportional error over all channels (RMS over channels of |slope| x channel RMS), and
/// <see cref="UlpsOfSlope"/> float32 ulps of the channel's RMS; all of them as errors in R's units.
/// </summary>
/// <remarks>
/// The sources' slopes are in the floor, not subtracted from B's: the trusted engine's bias need not be the
/// candidate's (native vs ORT), so B may be as far from the line of R as either run is, in either direction.
/// The floor never drops below a source's proportional error over all channels, because a value scaled per channel
/// by one computed number (a squeeze-excitation gate) has, per channel, the relative error of one number: huge where
/// the gate is near 0. Native vs ORT on PaddleOCR det scored 9 in such a channel when each channel was judged on its
/// own; weighting by the channel's RMS and flooring at the whole tensor's proportional error keeps near-zero channels
/// from deciding (measured 2026-11-30, see the README).
/// </remarks>
public readonly record struct SlopeScore(double Score, int Channel, double Slope, double Floor, string FloorSetBy)
{
    /// <summary>
    /// The factor on a channel's slope floor. Measured 2026-11-30 (every NoiseAware/ChannelChange/per-node test, slow
    /// ones included): legitimate pairs reach 14.4x their slope floor (native vs ORT on PaddleOCR rec, one channel of
    /// 480 of a squeeze-excitation Mul: a per-channel gate off by 3.7e-6 where ORT's own is within 4 ulps), so 8 keeps
    /// every legitimate slope score under half the threshold (1.8).
    /// </summary>
    public const double Allowance = 8;

    /// <summary>The slope floor never drops below this many float32 ulps of 1 (a relative error float32 cannot resolve).</summary>
    public const int UlpsOfSlope = 4;

    /// <summary>The channel of <paramref name="b"/> whose slope scores highest against its floor (score 0 and channel -1 when none has a slope).</summary>
    public static SlopeScore Worst(ChannelFit b, ReadOnlySpan<double> scale, IReadOnlyList<NoiseSource> noise)
    {
        var best = new SlopeScore(0, -1, 0, 0, "");
        var wide = new double[noise.Count];
        for (int k = 0; k < noise.Count; k++) wide[k] = noise[k].Fit?.ProportionalRms(scale) ?? 0;
        for (int c = 0; c < b.Slope.Length; c++)
        {
            // Every term is an absolute error: a slope times the channel's RMS.
            double s = scale[c];
            double floor = b.StdError[c] * s;
            string setBy = "the slope's own standard error";
            for (int k = 0; k < noise.Count; k++)
            {
                var src = noise[k];
                if (src.Fit is not { } fit || c >= fit.Slope.Length) continue;
                if (wide[k] > floor) { floor = wide[k]; setBy = $"{src.Name}'s proportional error rms over all channels"; }
                if (Math.Abs(fit.Slope[c]) * s > floor) { floor = Math.Abs(fit.Slope[c]) * s; setBy = $"{src.Name}'s slope"; }
                if (fit.StdError[c] * s > floor) { floor = fit.StdError[c] * s; setBy = $"{src.Name}'s slope standard error"; }
            }
            double ulps = UlpsOfSlope * NoiseAwareRule.Float32Ulp(s);
            if (ulps > floor) { floor = ulps; setBy = $"{UlpsOfSlope} float32 ulps of the channel's rms"; }
            double score = Math.Abs(b.Slope[c]) * s / (Allowance * floor);
            if (double.IsNaN(score) || s == 0) continue;
            if (score > best.Score) best = new SlopeScore(score, c, b.Slope[c], floor / s, setBy);
        }
        return best;
    }
}
