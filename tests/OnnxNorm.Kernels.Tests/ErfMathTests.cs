using System.Runtime.Intrinsics;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>The vectorised float erf against erf's definition evaluated here (and against tabulated values).</summary>
public class ErfMathTests
{
    // erf(x) = 2/√π ∫₀ˣ e^(−t²) dt by composite Simpson's rule with 20,000 intervals (error far below float's ulp).
    private static double ErfByIntegral(double x)
    {
        const int n = 20_000;
        double h = x / n, sum = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        return 2 / Math.Sqrt(Math.PI) * sum * h / 3;
    }

    [Fact]
    public void TheSeriesConstantsAreErfsMaclaurinCoefficientsRoundedToFloat()
    {
        float[] constants = [ErfMath.S1, ErfMath.S2, ErfMath.S3, ErfMath.S4, ErfMath.S5, ErfMath.S6];
        double factorial = 1;
        for (int n = 1; n <= 6; n++)
        {
            factorial *= n;
            float want = (float)((n % 2 == 0 ? 1 : -1) * 2 / Math.Sqrt(Math.PI) / (factorial * (2 * n + 1)));
            Assert.True(want.Equals(constants[n - 1]), $"S{n} = {constants[n - 1]:R}, expected {want:R}");
        }
    }

    [Fact]
    public void TheIntervalRowsAreTheChebyshevInterpolantsOfErfInDecimal()
    {
        // Eight 0.4375-wide intervals over [0.5, 4); on each, the degree-7 polynomial through erf at the 8 Chebyshev
        // nodes (erf summed in decimal), as monomials in t = x − centre; the constant as float high + low parts.
        const int nodes = 8, intervals = 8;
        const double halfWidth = 0.21875;
        for (int i = 0; i < intervals; i++)
        {
            double centre = 0.5 + (2 * i + 1) * halfWidth;
            var chebyshev = new double[nodes];
            for (int j = 0; j < nodes; j++)
            {
                double angle = Math.PI * (j + 0.5) / nodes;
                double value = (double)ErfDecimal((decimal)(centre + halfWidth * Math.Cos(angle)));
                for (int k = 0; k < nodes; k++) chebyshev[k] += 2.0 / nodes * value * Math.Cos(k * angle);
            }
            chebyshev[0] /= 2;
            var monomial = new double[nodes];
            var previous = new double[nodes];
            var current = new double[nodes];
            previous[0] = 1;
            current[1] = 1;
            monomial[0] = chebyshev[0];
            monomial[1] = chebyshev[1];
            for (int k = 2; k < nodes; k++)
            {
                var next = new double[nodes];
                for (int m = 0; m < nodes; m++) next[m] = (m > 0 ? 2 * current[m - 1] : 0) - previous[m];
                for (int m = 0; m <= k; m++) monomial[m] += chebyshev[k] * next[m];
                (previous, current) = (current, next);
            }
            for (int k = 1; k < nodes; k++)
                Assert.Equal((float)(monomial[k] / Math.Pow(halfWidth, k)), ErfMath.Row(k)[i]);
            float high = (float)monomial[0];
            Assert.Equal(high, ErfMath.Row(nodes)[i]);
            Assert.Equal((float)(monomial[0] - high), ErfMath.Row(nodes + 1)[i]);
        }
    }

    /// <summary>erf(a) for 0 ≤ a ≤ 4 by its Maclaurin series in decimal (28 digits: no cancellation trouble).</summary>
    private static decimal ErfDecimal(decimal a)
    {
        decimal a2 = a * a, power = a, sum = 0;
        for (int n = 0; n < 200 && power != 0; n++)
        {
            if (n > 0) power = -power * a2 / n;
            sum += power / (2 * n + 1);
        }
        return sum * 1.1283791670955125738961589031m; // 2/√π
    }

    [Fact]
    public void MatchesTheIntegralDefinitionToOneUlp()
    {
        var rng = new Random(11);
        var xs = new List<float> { 0f, -0f, 1e-20f, -1e-8f, 0.5f, 1f, -1f, 2f, 3f, 3.9f, -3.99f, 4f, 4.5f, -6f };
        for (int i = 0; i < 1500; i++) xs.Add((float)((rng.NextDouble() * 2 - 1) * 5));
        var got = new float[xs.Count];
        ErfMath.Apply(xs.ToArray(), got);
        for (int i = 0; i < xs.Count; i++)
        {
            float want = (float)ErfByIntegral(xs[i]);
            float ulp = MathF.BitIncrement(MathF.Abs(want)) - MathF.Abs(want);
            Assert.True(Math.Abs(got[i] - want) <= ulp, $"erf({xs[i]}) = {got[i]}, expected {want}");
            Assert.True(got[i].Equals(ErfMath.Scalar(xs[i])), $"erf({xs[i]}): a run gives {got[i]}, the value alone {ErfMath.Scalar(xs[i])}");
        }
    }

    // erf by its Maclaurin series in double with 80 terms: accurate to ~1e-12 for |x| < 4.5 (the terms' cancellation),
    // far below float's half ulp; slow, fine for a test.
    private static double ErfBySeries(double x)
    {
        double y = x * x, term = x, sum = x;
        for (int n = 1; n < 80; n++)
        {
            term *= -y / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    [Fact]
    public void RunsAndTheSixteenAndEightLaneFormsGiveEveryValueTheSameBits()
    {
        // Every interval edge (0.5 + 0.875 k), both sides of 4, specials, denormals, and a dense sweep over [-5, 5].
        var xs = new List<float> { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -1e-40f, 4f, -4f };
        for (int k = 0; k <= 4; k++)
            foreach (float edge in new[] { 0.5f + 0.875f * k, -(0.5f + 0.875f * k) })
                xs.AddRange(new[] { MathF.BitDecrement(edge), edge, MathF.BitIncrement(edge) });
        for (float v = -5f; v <= 5f; v += 0.000731f) xs.Add(v);
        while (xs.Count % 32 != 0) xs.Add(1.25f);
        var all = xs.ToArray();
        var run = new float[all.Length];
        ErfMath.Apply(all, run);
        for (int i = 0; i < all.Length; i += 8)
        {
            var narrow = ErfMath.Erf(Vector256.Create(all.AsSpan(i, 8)));
            var wide = ErfMath.Erf(Vector512.Create(all.AsSpan(i - i % 16, 16)));
            for (int j = 0; j < 8; j++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(run[i + j]) == BitConverter.SingleToInt32Bits(narrow[j]),
                    $"erf({all[i + j]}): a run gives {run[i + j]}, 8 lanes {narrow[j]}");
                Assert.True(BitConverter.SingleToInt32Bits(wide[i % 16 + j]) == BitConverter.SingleToInt32Bits(narrow[j]),
                    $"erf({all[i + j]}): 16 lanes give {wide[i % 16 + j]}, 8 lanes {narrow[j]}");
            }
        }
    }

    [Fact]
    public void MatchesTheSeriesToOneUlpOverADenseRange()
    {
        var xs = new List<float>();
        for (int i = -300_000; i <= 300_000; i++) xs.Add(i * 1.5e-5f);   // [-4.5, 4.5], every 1.5e-5
        for (int e = -126; e < 0; e++) { xs.Add(MathF.ScaleB(1.37f, e)); xs.Add(-MathF.ScaleB(1.91f, e)); }
        foreach (float edge in new[] { 0.5f, 0.75f, 3.75f, 4f }) { xs.Add(MathF.BitDecrement(edge)); xs.Add(edge); xs.Add(MathF.BitIncrement(edge)); }
        var x = xs.ToArray();
        var got = new float[x.Length];
        ErfMath.Apply(x, got);
        for (int i = 0; i < x.Length; i++)
        {
            float want = Math.Abs(x[i]) >= 4.5f ? MathF.Sign(x[i]) : (float)ErfBySeries(x[i]);
            float ulp = MathF.BitIncrement(MathF.Abs(want)) - MathF.Abs(want);
            if (!(Math.Abs(got[i] - want) <= ulp)) Assert.Fail($"erf({x[i]:R}) = {got[i]:R}, expected {want:R}");
        }
    }

    [Fact]
    public void IsWithinOneUlpOfTheDoubleSeriesOverEveryBinadeOfTheFloatRange()
    {
        // Every 251st float from the smallest denormal to 4.5 (both signs), in ulps of the rounded true value.
        double worst = 0;
        float worstAt = 0;
        var x = new float[8];
        for (int bits = 1; bits < BitConverter.SingleToInt32Bits(4.5f); bits += 251 * 8)
        {
            for (int j = 0; j < 8; j++) x[j] = BitConverter.Int32BitsToSingle(bits + 251 * j) * (j % 2 == 0 ? 1 : -1);
            var got = ErfMath.Erf(Vector256.Create(x));
            for (int j = 0; j < 8; j++)
            {
                double want = Math.Abs(x[j]) < 1e-3 ? 2 / Math.Sqrt(Math.PI) * x[j] * (1 - (double)x[j] * x[j] / 3) : ErfBySeries(x[j]);
                float rounded = (float)want;
                double ulp = MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
                double error = Math.Abs(got[j] - want) / ulp;
                if (error > worst) (worst, worstAt) = (error, x[j]);
            }
        }
        Assert.True(worst <= 0.8, $"worst error {worst:F3} ulp at x = {worstAt:R}");
    }

    [Theory]
    [InlineData(-0f, -0f)]
    [InlineData(1e-45f, 1e-45f)]                // the smallest denormal: 1.128 of it rounds back to it
    [InlineData(3.99f, 1f)]
    [InlineData(-4f, -1f)]
    [InlineData(1e30f, 1f)]
    [InlineData(float.MaxValue, 1f)]
    [InlineData(float.NegativeInfinity, -1f)]
    public void KeepsTheSignOfZeroScalesDenormalsAndSaturatesToOne(float x, float want) =>
        Assert.Equal(BitConverter.SingleToInt32Bits(want), BitConverter.SingleToInt32Bits(ErfMath.Scalar(x)));

    [Fact]
    public void ScalesDenormalsByTwoOverRootPiWithinHalfADenormalStep()
    {
        // Ties of 2/√π·x between two denormals can round either way (2/√π − 1 is a float constant), so half a step, not bits.
        for (int bits = 1; bits < 0x0080_0000; bits += 4099)
        {
            float x = -BitConverter.Int32BitsToSingle(bits);
            double want = 2 / Math.Sqrt(Math.PI) * x;
            Assert.True(Math.Abs(ErfMath.Scalar(x) - want) <= 0.51 * float.Epsilon, $"erf({x:R}) = {ErfMath.Scalar(x):R}, expected {want:R}");
        }
    }

    [Fact]
    public void TabulatedValuesSaturationAndNaN()
    {
        Assert.Equal(0.5204998778f, ErfMath.Scalar(0.5f));
        Assert.Equal(0.8427007929f, ErfMath.Scalar(1f));
        Assert.Equal(-0.9953222650f, ErfMath.Scalar(-2f));
        Assert.Equal(0.9999779095f, ErfMath.Scalar(3f));
        Assert.Equal(1f, ErfMath.Scalar(float.PositiveInfinity));
        Assert.Equal(-1f, ErfMath.Scalar(float.NegativeInfinity));
        Assert.True(float.IsNaN(ErfMath.Scalar(float.NaN)));
        var run = new[] { 1f, float.NaN, -1f, 0.25f, float.NaN };
        ErfMath.Apply(run, run);
        Assert.True(float.IsNaN(run[1]) && float.IsNaN(run[4]));
        Assert.Equal(0.8427007929f, run[0]);
        Assert.Equal(-0.8427007929f, run[2]);
    }
}
