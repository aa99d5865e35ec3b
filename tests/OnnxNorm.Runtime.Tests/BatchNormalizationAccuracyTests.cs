using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.FusionTestRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The float32 inference BatchNormalization (standalone, with its fused Relu, and fused with the Concat before it)
/// against the ONNX formula computed in double in the test. The kernel keeps a = scale/√(var + ε) and b = B − mean·a in
/// double, computes x·a + b with one double fused multiply-add and rounds it to float once. With u = 2⁻²⁴ and z exact:
/// the double a, b and multiply-add miss by ≤ 3·2⁻⁵³ of |x·a| + |b|, the rounding to float by ≤ u·|z| (half an ulp of
/// the output, plus the double step), so |y − z| ≤ u·|z| + 2⁻⁵⁰·(|x·a| + |b|): within an ulp of the output itself
/// even where x·a and b cancel. The double formula's own error (≤ 2⁻⁵⁰ of the same magnitudes, mean·a and B included)
/// is covered by widening the second term to 2⁻⁴⁴. Relu is 1-Lipschitz, so the bound carries over with the pre-Relu z.
/// ORT's float form, x·a_f + b_f with a_f, b_f rounded to float, errs by ulps of |x·a| + |b| and fails this bound.
/// </summary>
public class BatchNormalizationAccuracyTests
{
    private const int Channels = 7, Height = 7, Width = 9;

    // Per channel: scales from 1e-3 to 1e3, and inputs near where x·a + b cancels (y ≈ 0) as well as spread out.
    private static (float[] Scale, float[] Bias, float[] Mean, float[] Var) Constants()
    {
        var rng = new DeterministicRandom(31);
        float[] Draw(Func<int, double> f) => Enumerable.Range(0, Channels).Select(c => (float)f(c)).ToArray();
        return (Draw(c => (rng.Normal() + 0.2) * Math.Pow(10, c - 3)), Draw(_ => rng.Normal() * 3), Draw(_ => rng.Normal()),
            Draw(_ => Math.Exp(rng.Normal())));
    }

    private static double A(int c, (float[] Scale, float[] Bias, float[] Mean, float[] Var) k, float eps) =>
        k.Scale[c] / Math.Sqrt(k.Var[c] + (double)eps);

    private static float[] Inputs(int images, (float[] Scale, float[] Bias, float[] Mean, float[] Var) k, float eps, ulong seed)
    {
        var rng = new DeterministicRandom(seed);
        int plane = Height * Width;
        var x = new float[images * Channels * plane];
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / plane % Channels;
            double zero = k.Mean[c] - k.Bias[c] / A(c, k, eps);
            x[i] = (float)(i % 2 == 0 ? zero + rng.Normal() * Math.Pow(10, -rng.Next(0, 7)) : rng.Normal() * 4);
        }
        return x;
    }

    // The worst error over y as a multiple of the bound above (≤ 1 passes), the exact value from the ONNX formula.
    private static double WorstOfBound(float[] x, float[] y, (float[] Scale, float[] Bias, float[] Mean, float[] Var) k, float eps, bool relu)
    {
        const double u = 1.0 / (1 << 24), slack = 1.0 / (1L << 44);
        int plane = Height * Width;
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / plane % Channels;
            double a = A(c, k, eps), b = k.Bias[c] - k.Mean[c] * a;
            double pre = (x[i] - (double)k.Mean[c]) / Math.Sqrt(k.Var[c] + (double)eps) * k.Scale[c] + k.Bias[c];
            double z = relu ? Math.Max(pre, 0) : pre;
            double bound = u * Math.Abs(pre) + slack * (Math.Abs(x[i] * a) + Math.Abs(b) + Math.Abs(k.Mean[c] * a) + Math.Abs(k.Bias[c]));
            worst = Math.Max(worst, Math.Abs(y[i] - z) / bound);
        }
        return worst;
    }

    private static ModelBuilder WithConstants(ModelBuilder b, (float[] Scale, float[] Bias, float[] Mean, float[] Var) k)
    {
        b.Initializer("s", k.Scale, Channels);
        b.Initializer("b", k.Bias, Channels);
        b.Initializer("m", k.Mean, Channels);
        b.Initializer("v", k.Var, Channels);
        return b;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheStandaloneBatchNormIsWithinAnUlpOfTheOutputOfADoubleComputationAtEveryThreadCount(bool relu)
    {
        const float eps = 1e-5f;
        var k = Constants();
        var b = WithConstants(new ModelBuilder(opset: 15), k);
        b.Input("x", ElementType.Float, 2, Channels, Height, Width);
        b.Node("BatchNormalization", new[] { "x", "s", "b", "m", "v" }, new[] { relu ? "n" : "y" }, "bn", ("epsilon", eps));
        if (relu) b.Node("Relu", new[] { "n" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Inputs(2, k, eps, 5);
        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, Channels, Height, Width }, x) };
            var (y, ops) = Run(b.ToBytes(), feeds, "y", new SessionOptions { Threads = threads, SplitAllWork = true });
            Assert.Equal(new[] { "BatchNormalization" }, ops);
            double worst = WorstOfBound(x, y, k, eps, relu);
            Assert.True(worst <= 1, $"{threads} threads: worst error {worst:G3} of the bound");
            first ??= y;
            Assert.Equal(first, y);
        }
    }

    [Fact]
    public void TheConcatFusedBatchNormAndReluIsWithinAnUlpOfTheOutputOfADoubleComputation()
    {
        const float eps = 1e-3f;
        var k = Constants();
        var b = WithConstants(new ModelBuilder(opset: 15), k);
        b.Input("p", ElementType.Float, 1, 4, Height, Width);
        b.Input("q", ElementType.Float, 1, Channels - 4, Height, Width);
        b.Node("Concat", new[] { "p", "q" }, new[] { "j" }, "concat", ("axis", 1L));
        b.Node("BatchNormalization", new[] { "j", "s", "b", "m", "v" }, new[] { "n" }, "bn", ("epsilon", eps));
        b.Node("Relu", new[] { "n" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Inputs(1, k, eps, 6);
        int split = 4 * Height * Width;
        var feeds = new Dictionary<string, TensorValue>
        {
            ["p"] = TensorValue.FromFloats(new long[] { 1, 4, Height, Width }, x[..split]),
            ["q"] = TensorValue.FromFloats(new long[] { 1, Channels - 4, Height, Width }, x[split..]),
        };
        var (y, ops) = Run(b.ToBytes(), feeds, "y", new SessionOptions { Threads = 2, SplitAllWork = true });
        Assert.Equal(new[] { "Concat+BatchNormalization" }, ops);
        double worst = WorstOfBound(x, y, k, eps, relu: true);
        Assert.True(worst <= 1, $"worst error {worst:G3} of the bound");
    }

    [Fact]
    public void TheFloatFormWithAAndBRoundedToFloatFailsTheBoundOnTheSameInputs()
    {
        // What the bound rules out: ORT's formulation, computed here in float, on the inputs of the tests above.
        const float eps = 1e-5f;
        var k = Constants();
        var x = Inputs(2, k, eps, 5);
        var y = new float[x.Length];
        int plane = Height * Width;
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / plane % Channels;
            float a = (float)A(c, k, eps), b = k.Bias[c] - k.Mean[c] * a;
            y[i] = x[i] * a + b;
        }
        Assert.True(WorstOfBound(x, y, k, eps, relu: false) > 4);
    }
}
