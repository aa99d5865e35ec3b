using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison.NoiseAware;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// The per-channel part of the noise-aware score on hand-made tensors: R is 1.0 everywhere, the trusted run B is off
/// by +-1e-4 in every element (so every floor is 1e-4), and the candidate A has B's noise plus one planted difference.
/// </summary>
public sealed class ChannelScoreTests
{
    private const int Channels = 256, Plane = 64;

    private static double[] Ones() => Enumerable.Repeat(1.0, Channels * Plane).ToArray();

    // B's noise: +-1e-4 alternating, and one element of channel 0 off by 3e-3, which sets the max floor high (as the
    // heavy tail of real float noise does), so only an RMS can see a small change.
    private static double[] TrustedRun()
    {
        var b = Ones();
        for (int i = 0; i < b.Length; i++) b[i] += i % 2 == 0 ? 1e-4 : -1e-4;
        b[7] = 1 + 3e-3;
        return b;
    }

    private static TensorValue Tensor(double[] v, params long[] shape) => TensorValue.Wrap(ElementType.Double, shape, v);

    private static OutputScore Score(double[] a, long[] shape)
    {
        var r = Tensor(Ones(), shape);
        var noise = ReferenceRuns.NoiseOf("B's own error", Tensor(TrustedRun(), shape), r, null);
        return NoiseAwareRule.Score(Tensor(a, shape), r, noise);
    }

    // A = B with channel 2 scaled by 1.002: channel 2's error is 2e-3 (20x its floor of 1e-4); over all 256 channels
    // the RMS error is only sqrt((255 x 1e-8 + 4e-6) / 256) = 1.6e-4, and the max error (2.1e-3) is under B's 3e-3.
    private static double[] OneChannelChanged()
    {
        var a = TrustedRun();
        for (int i = 2 * Plane; i < 3 * Plane; i++) a[i] += 0.002;
        return a;
    }

    [Fact]
    public void A_change_diluted_over_the_whole_tensor_is_caught_in_its_own_channel()
    {
        var s = Score(OneChannelChanged(), new long[] { 1, Channels, 8, 8 });
        Assert.False(s.Equivalent);
        Assert.Equal(2, s.Channel);
        Assert.StartsWith("channel 2:", s.FloorSetBy);
        // The RMS rule: 2.0e-3 / (2 x 1.03e-4), the channel's floor being the whole tensor's 1.03e-4 (B's error over
        // all elements). R is 1 everywhere, so the change is also a slope of 0.002 against R, which scores higher.
        var rms = ChannelScore.Worst(ChannelSlices.Of(new long[] { 1, Channels, 8, 8 })!.Value, OneChannelChanged(), Ones(),
            ReferenceRuns.NoiseOf("B's own error", Tensor(TrustedRun(), 1, Channels, 8, 8), Tensor(Ones(), 1, Channels, 8, 8), null), 1.03e-4, "B");
        Assert.Equal(2, rms.Channel);
        Assert.InRange(rms.Score, 9.5, 10);
        Assert.True(s.Score >= rms.Score);
    }

    [Fact]
    public void The_same_errors_with_one_element_per_channel_are_scored_over_the_whole_tensor_only()
    {
        // [1, 16384]: one element per "channel" is no statistic to divide by; the whole tensor's RMS ratio 1.6 decides.
        var s = Score(OneChannelChanged(), new long[] { 1, Channels * Plane });
        Assert.True(s.Equivalent, $"score {s.Score}");
        Assert.Null(s.Channel);
        Assert.InRange(s.Score, 1.4, 1.7);
    }

    [Fact]
    public void A_channel_the_trusted_run_computes_exactly_does_not_turn_tiny_noise_into_an_alarm()
    {
        // Channel 5 is 0 in R and exactly 0 in B (a ReLU-dead channel): its own floor is 0. A is off there by 1e-6,
        // which is no change at all next to the tensor's 1e-4 noise: the whole tensor's floor is the channel's minimum.
        var r = Ones();
        var b = TrustedRun();
        var a = TrustedRun();
        for (int i = 5 * Plane; i < 6 * Plane; i++) { r[i] = 0; b[i] = 0; a[i] = i % 2 == 0 ? 1e-6 : -1e-6; }
        long[] shape = { 1, Channels, 8, 8 };
        var noise = ReferenceRuns.NoiseOf("B's own error", Tensor(b, shape), Tensor(r, shape), null);
        var s = NoiseAwareRule.Score(Tensor(a, shape), Tensor(r, shape), noise);
        Assert.True(s.Equivalent, $"score {s.Score}, set by {s.FloorSetBy}");
        Assert.True(s.Score < 1.1, $"score {s.Score}, set by {s.FloorSetBy}");
    }
}
