using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison.NoiseAware;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// The proportional-slope part of the noise-aware score (<see cref="ChannelFit"/>, <see cref="SlopeScore"/>) on
/// hand-made tensors: the fit against values worked out by hand, and a 1% scale of one channel hidden under
/// float16-sized noise, which the RMS rule cannot see and the slope can.
/// </summary>
public sealed class SlopeScoreTests
{
    [Fact]
    public void The_fit_of_a_small_channel_matches_the_slope_and_standard_error_worked_out_by_hand()
    {
        // Channel 0: r = 1, 2, 3, 4 and error e = 0, 1, 0, 1. Through the origin: slope = sum(r e) / sum(r^2) = 6 / 30 = 0.2.
        // Residuals u = e - 0.2 r = -0.2, 0.6, -0.6, 0.2; leverages h = r^2 / 30 = 1/30, 4/30, 9/30, 16/30;
        // HC3 variance = sum(r^2 u^2 / (1-h)^2) / 30^2 = (0.042806 + 1.917160 + 6.612245 + 2.938776) / 900,
        // standard error = sqrt(11.510987) / 30 = 0.1130928.
        // Channel 1: r = 0 everywhere, so no slope can be measured.
        var r = new double[] { 1, 2, 3, 4, 0, 0, 0, 0 };
        var x = new double[] { 1, 3, 3, 5, 0.5, -0.5, 0, 1 };
        var fit = ChannelFit.Of(new ChannelSlices(2, 4, 4), x, r);
        Assert.Equal(0.2, fit.Slope[0], 12);
        Assert.Equal(0.1130928, fit.StdError[0], 6);
        Assert.Equal(0, fit.Slope[1]);
        Assert.True(double.IsPositiveInfinity(fit.StdError[1]));
    }

    [Fact]
    public void An_error_exactly_proportional_to_the_reference_has_the_scale_change_as_its_slope_and_no_spread()
    {
        var r = Enumerable.Range(1, 64).Select(i => Math.Sin(i) * 3).ToArray();
        var x = r.Select(v => v * 1.01).ToArray();
        var fit = ChannelFit.Of(new ChannelSlices(1, 64, 64), x, r);
        Assert.Equal(0.01, fit.Slope[0], 12);
        Assert.True(fit.StdError[0] < 1e-14, $"standard error {fit.StdError[0]}");
    }

    private const int Channels = 16, Plane = 1152;
    private static readonly long[] Shape = { 1, Channels, 12, 96 };

    // R: a deterministic pseudo-random activation (normal, Box-Muller), every channel of RMS about 1.
    private static double[] Reference()
    {
        var rng = new Random(7);
        return Enumerable.Range(0, Channels * Plane).Select(_ => Normal(rng)).ToArray();
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    // A run of R with independent noise of 0.2% of the channel RMS (float16 rounding accumulated through a few layers is of
    // that order), uncorrelated with R: its slope is 0 within 0.002 / sqrt(1152) = 5.9e-5.
    private static double[] Noisy(double[] r, int seed)
    {
        var rng = new Random(seed);
        return r.Select(v => v + 0.002 * Normal(rng)).ToArray();
    }

    private static TensorValue Tensor(double[] v) => TensorValue.Wrap(ElementType.Double, Shape, v);

    private static OutputScore Score(double[] a, double[] trusted, double[] r) =>
        NoiseAwareRule.Score(Tensor(a), Tensor(r), ReferenceRuns.NoiseOf("B's own error", Tensor(trusted), Tensor(r), null));

    [Fact]
    public void A_one_percent_scale_of_one_channel_under_float16_sized_noise_is_caught_by_its_slope_where_the_rms_is_not()
    {
        var r = Reference();
        var a = Noisy(r, 1);
        for (int i = 3 * Plane; i < 4 * Plane; i++) a[i] += 0.01 * r[i];
        var s = Score(a, Noisy(r, 2), r);
        Assert.False(s.Equivalent);
        Assert.Equal(Decided.Slope, s.DecidedBy);
        Assert.Equal(3, s.Channel);
        Assert.InRange(s.Slope!.Value, 0.009, 0.011);
        // The slope floor is the largest of B's and the trusted run's standard errors (5.9e-5), the trusted run's own
        // slope in channel 3 (a normal draw of that spread) and its slopes' RMS over the channels (about 5.9e-5):
        // 0.01 / (8 x 5.9e-5 to 1.5e-4) is 8 to 21.
        Assert.InRange(s.Score, 8, 21);
        // The RMS rule alone: channel 3's error is sqrt(0.01^2 + 0.002^2) = 0.0102 against 2 x a floor of 0.002: 2.55.
        var rms = ChannelScore.Worst(ChannelSlices.Of(Shape)!.Value, a, r, ReferenceRuns.NoiseOf("B's own error", Tensor(Noisy(r, 2)), Tensor(r), null), 0.002, "B");
        Assert.InRange(rms.Score, 2.3, 2.8);
    }

    [Fact]
    public void The_same_noise_without_a_scale_change_is_not_an_alarm()
    {
        var r = Reference();
        var s = Score(Noisy(r, 1), Noisy(r, 2), r);
        Assert.True(s.Equivalent, $"score {s.Score} by {s.DecidedBy}");
        // Plain noise: |slope| / standard error is a t statistic, at most about 3 over 16 channels; divided by 8.
        Assert.True(s.SlopeScore < 1, $"slope score {s.SlopeScore}");
    }

    [Fact]
    public void A_proportional_bias_that_the_trusted_run_shares_is_not_an_alarm()
    {
        // B's own engine makes channel 3 0.5% too large (a rounded BN scale); A does the same. The slope floor is B's
        // own slope there, so the slope score is 0.005 / (8 x 0.005) = 0.125 exactly; A's error is B's, so the whole
        // tensor's RMS ratio is 1 (channel 3's own is halved: 0.5).
        var r = Reference();
        var biased = r.ToArray();
        for (int i = 3 * Plane; i < 4 * Plane; i++) biased[i] *= 1.005;
        var s = Score(biased, biased, r);
        Assert.True(s.Equivalent);
        Assert.Equal(0.125, s.SlopeScore, 9);
        Assert.Equal(Decided.Rms, s.DecidedBy);
        Assert.Equal(1, s.Score, 9);
    }
}
