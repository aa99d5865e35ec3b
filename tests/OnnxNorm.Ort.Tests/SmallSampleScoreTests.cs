using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison.NoiseAware;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// Tensors of a few numbers (a classifier's [1,2] logits): their floor is a small sample, so a trusted run that
/// happens to be nearly exact must not turn the other engine's ordinary rounding into an alarm, while a real change
/// of such a tensor is still caught.
/// </summary>
public sealed class SmallSampleScoreTests
{
    private static TensorValue Two(double x, double y) => TensorValue.Wrap(ElementType.Double, new long[] { 1, 2 }, new[] { x, y });

    // R = (0.076, -0.041). The trusted run B is off by 1e-7 in one number and 0 in the other (its rounding cancelled its
    // inherited error there), as ORT was on PaddleOCR cls's classifier.
    private static OutputScore Score(double a0, double a1)
    {
        var r = Two(0.076, -0.041);
        var noise = ReferenceRuns.NoiseOf("B's own error", Two(0.076 + 1e-7, -0.041), r, null);
        return NoiseAwareRule.Score(Two(a0, a1), r, noise);
    }

    [Fact]
    public void Rounding_five_times_a_lucky_two_number_floor_is_not_an_alarm()
    {
        // A off by 5.8e-7 in both numbers: RMS ratio 5.8e-7 / 7.1e-8 = 8.2 raw, divided by sqrt(32/2) = 4.
        var s = Score(0.076 + 5.8e-7, -0.041 - 5.8e-7);
        Assert.True(s.Equivalent, $"score {s.Score}");
        Assert.InRange(s.Score, 1.9, 2.2);
        Assert.Contains("a sample of 2 numbers", s.FloorSetBy);
    }

    [Fact]
    public void A_one_percent_change_of_one_of_two_numbers_is_still_caught()
    {
        var s = Score(0.076 * 1.01, -0.041);
        Assert.False(s.Equivalent);
        Assert.True(s.Score > 1000, $"score {s.Score}");
    }

    [Fact]
    public void From_thirty_two_numbers_up_there_is_no_allowance()
    {
        Assert.Equal(1, NoiseAwareRule.SmallSampleAllowance(32));
        Assert.Equal(1, NoiseAwareRule.SmallSampleAllowance(1000));
        Assert.Equal(4, NoiseAwareRule.SmallSampleAllowance(2));
    }
}
