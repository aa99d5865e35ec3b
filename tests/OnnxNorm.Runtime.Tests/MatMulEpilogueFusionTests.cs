using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// A float32 MatMul with constant weights absorbs its bias Add and the GELU chain PyTorch exports (Div √2, Erf,
/// Add 1, Mul, Mul 0.5): the fused step gives the unfused nodes' bits, stays as accurate as a float64 loop, and
/// only fuses what nothing else reads.
/// </summary>
public class MatMulEpilogueFusionTests
{
    private static (byte[] Model, float[] W, float[] Bias) LinearGelu(long[] xShape, int n, bool gelu, bool biasAlsoOutput = false)
    {
        int k = (int)xShape[^1];
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, xShape.Cast<object>().ToArray());
        var rng = new DeterministicRandom((ulong)(k * 31 + n));
        var w = new float[k * n];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.Normal() / Math.Sqrt(k));
        var bias = new float[n];
        for (int i = 0; i < n; i++) bias[i] = (float)rng.Normal() * 0.5f;
        b.Initializer("w", w, k, n);
        b.Initializer("bias", bias, n);
        b.Node("MatMul", new[] { "x", "w" }, new[] { "m" }, "matmul");
        b.Node("Add", new[] { "bias", "m" }, new[] { "z" }, "add");
        string output = "z";
        if (gelu)
        {
            b.Initializer("sqrt2", new[] { 1.4142135f });
            b.Initializer("one", new[] { 1f });
            b.Initializer("half", new[] { 0.5f });
            b.Node("Div", new[] { "z", "sqrt2" }, new[] { "t" }, "div");
            b.Node("Erf", new[] { "t" }, new[] { "e" }, "erf");
            b.Node("Add", new[] { "e", "one" }, new[] { "a" }, "plus_one");
            b.Node("Mul", new[] { "z", "a" }, new[] { "p" }, "mul");
            b.Node("Mul", new[] { "p", "half" }, new[] { "y" }, "half");
            output = "y";
        }
        b.OutputUnknownShape(output, ElementType.Float);
        if (biasAlsoOutput) b.OutputUnknownShape("m", ElementType.Float);
        return (b.ToBytes(), w, bias);
    }

    private static float[] Input(long[] shape, int seed)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var x = new float[shape.Aggregate(1L, (p, d) => p * d)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal() * 3;
        return x;
    }

    public static TheoryData<long[], int, bool> Shapes => new()
    {
        { new long[] { 1, 7, 9, 24 }, 40, true },   // 63 rows, ragged column edge
        { new long[] { 1, 4, 4, 300 }, 96, true },  // K over one depth block: the bias is added after the last one
        { new long[] { 3, 20 }, 33, true },         // fewer rows than the micro-kernel's 6: the matrix-vector path
        { new long[] { 2, 5, 64 }, 48, false },     // bias only
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BiasAndGeluFusedIntoTheMatMulGiveTheUnfusedResultBitForBit(long[] xShape, int n, bool gelu)
    {
        var (model, _, _) = LinearGelu(xShape, n, gelu);
        var x = Input(xShape, 5);
        x[3] = float.NaN;
        x[^1] = float.PositiveInfinity;
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(xShape, x) };
        string output = gelu ? "y" : "z";
        foreach (int threads in new[] { 1, 2 })
        {
            var profile = new OperatorProfile();
            var fused = NativeSession.Create(ModelLoader.Load(model), new SessionOptions { Threads = threads, Profile = profile }).Run(feeds)[output].AsSpan<float>().ToArray();
            var plain = NativeSession.Create(ModelLoader.Load(model), new SessionOptions { Threads = threads, FuseActivations = false }).Run(feeds)[output].AsSpan<float>().ToArray();
            Assert.All(profile.Entries, e => Assert.Equal("MatMul", e.Op));
            Assert.Contains(plain, float.IsNaN);
            Assert.Equal(plain.Length, fused.Length);
            for (int i = 0; i < plain.Length; i++)
                Assert.True(fused[i].Equals(plain[i]), $"{threads} threads: element {i} fused {fused[i]}, unfused {plain[i]}");
        }
    }

    [Fact]
    public void FusedLinearGeluIsWithinFloatRoundingOfAFloat64Loop()
    {
        long[] xShape = { 1, 6, 7, 96 };
        const int n = 384, k = 96, rows = 42;
        var (model, w, bias) = LinearGelu(xShape, n, gelu: true);
        var x = Input(xShape, 8);
        var y = NativeSession.Create(ModelLoader.Load(model), new SessionOptions()).Run(
            new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(xShape, x) })["y"].AsSpan<float>().ToArray();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++)
            {
                double z = bias[j], magnitude = Math.Abs(bias[j]);
                for (int p = 0; p < k; p++)
                {
                    z += (double)x[i * k + p] * w[p * n + j];
                    magnitude += Math.Abs((double)x[i * k + p] * w[p * n + j]);
                }
                double expected = 0.5 * z * (1 + Operators.ErfF.Erf(z / Math.Sqrt(2)));
                // The float sum's rounding (a few ulp of the terms' magnitude) carried through GELU (slope <= 1.13).
                double tolerance = 1.2 * (k * 6e-8 * magnitude) + 4e-7 * Math.Abs(expected) + 1e-30;
                Assert.True(Math.Abs(y[i * n + j] - expected) <= tolerance, $"[{i}, {j}]: {y[i * n + j]}, float64 {expected}");
            }
    }

    [Fact]
    public void AMatMulWhoseOutputIsAlsoReadElsewhereKeepsItsAddAndGelu()
    {
        long[] xShape = { 1, 4, 4, 16 };
        var (model, _, _) = LinearGelu(xShape, 32, gelu: true, biasAlsoOutput: true);
        var profile = new OperatorProfile();
        NativeSession.Create(ModelLoader.Load(model), new SessionOptions { Profile = profile }).Run(
            new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(xShape, Input(xShape, 2)) });
        Assert.Contains(profile.Entries, e => e.Op == "Erf");
        Assert.Contains(profile.Entries, e => e.Op == "Add");
    }
}
