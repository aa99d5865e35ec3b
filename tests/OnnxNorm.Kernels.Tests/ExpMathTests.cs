using System.Runtime.Intrinsics;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>The float exp under Sigmoid and SiLU against the double exp, rounded once, over its whole range.</summary>
public class ExpMathTests
{
    private static double UlpError(float got, double want)
    {
        float rounded = (float)want;
        double ulp = MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
        return Math.Abs(got - want) / ulp;
    }

    private static IEnumerable<float> Sweep()
    {
        // Every 997th float in [-87.3, 88.7] (normal results), the range reduction's ties, and random values.
        for (float x = -87.3f; x < 88.7f; x = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) + (x < 0 ? -997 : 997)))
        {
            yield return x;
            if (x < 0 && x > -1e-30f) x = 1e-30f;
        }
        for (int n = -125; n <= 127; n++) yield return (float)((n + 0.5) * Math.Log(2));
        var rng = new Random(5);
        for (int i = 0; i < 20_000; i++) yield return (float)((rng.NextDouble() * 2 - 1) * 88);
    }

    [Fact]
    public void IsWithinOneUlpOfTheDoubleExpWhereTheResultIsANormalFloat()
    {
        double worst = 0;
        float worstAt = 0;
        foreach (float x in Sweep())
        {
            float got = ExpMath.Exp(Vector256.Create(x)).ToScalar();
            double error = UlpError(got, Math.Exp(x));
            if (error > worst) (worst, worstAt) = (error, x);
        }
        Assert.True(worst <= 1.0, $"worst error {worst:F3} ulp at x = {worstAt:R}");
    }

    [Theory]
    [InlineData(88.8f, float.PositiveInfinity)]
    [InlineData(89f, float.PositiveInfinity)]
    [InlineData(1e30f, float.PositiveInfinity)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(-104f, 0f)]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(0f, 1f)]
    [InlineData(-1e-30f, 1f)]
    public void OverflowsToInfinityUnderflowsToZeroAndIsOneAtZero(float x, float want) =>
        Assert.Equal(want, ExpMath.Exp(Vector256.Create(x)).ToScalar());

    [Fact]
    public void GoesThroughTheDenormalsWithinOneDenormalStep()
    {
        for (float x = -103.9f; x < -87.4f; x += 0.01f)
        {
            float got = ExpMath.Exp(Vector256.Create(x)).ToScalar();
            double want = Math.Exp(x);
            Assert.True(Math.Abs(got - want) <= float.Epsilon + 2e-7 * want, $"exp({x}) = {got:R}, expected {want:R}");
        }
    }

    [Fact]
    public void The256And512BitFormsGiveTheSameBits()
    {
        var rng = new Random(9);
        for (int i = 0; i < 2000; i++)
        {
            var lanes = new float[16];
            for (int j = 0; j < 16; j++) lanes[j] = (float)((rng.NextDouble() * 2 - 1) * 110);
            var wide = ExpMath.Exp(Vector512.Create(lanes));
            var low = ExpMath.Exp(Vector256.Create(lanes.AsSpan(0, 8)));
            var high = ExpMath.Exp(Vector256.Create(lanes.AsSpan(8, 8)));
            for (int j = 0; j < 16; j++)
                Assert.Equal(BitConverter.SingleToInt32Bits(j < 8 ? low[j] : high[j - 8]), BitConverter.SingleToInt32Bits(wide[j]));
        }
    }
}
