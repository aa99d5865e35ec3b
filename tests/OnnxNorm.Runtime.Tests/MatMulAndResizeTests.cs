using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>The batched MatMul and the planar linear Resize fast paths against definitions written here.</summary>
public class MatMulAndResizeTests
{
    private static float[] Normal(ulong seed, int n)
    {
        var rng = new DeterministicRandom(seed);
        var a = new float[n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Normal();
        return a;
    }

    [Fact]
    public void MatMulOfABatchedActivationByOneWeightMatrixIsEachRowTimesTheMatrix()
    {
        const int n = 2, h = 3, m = 7, k = 19, cols = 23;
        var b = new ModelBuilder(opset: 17);
        b.Input("a", ElementType.Float, n, h, m, k);
        var w = Normal(2, k * cols);
        b.Initializer("w", w, k, cols);
        b.Node("MatMul", new[] { "a", "w" }, new[] { "y" }, "mm");
        b.OutputUnknownShape("y", ElementType.Float);
        var a = Normal(1, n * h * m * k);
        a[5 * k + 3] = float.NaN; // row 5 of the stacked rows becomes NaN everywhere
        foreach (int threads in new[] { 1, 2 })
        {
            var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions { Threads = threads })
                .Run(new Dictionary<string, TensorValue> { ["a"] = TensorValue.FromFloats(new long[] { n, h, m, k }, a) })["y"];
            Assert.Equal(new long[] { n, h, m, cols }, y.Shape);
            var got = y.AsSpan<float>();
            for (int row = 0; row < n * h * m; row++)
                for (int j = 0; j < cols; j++)
                {
                    double want = 0, magnitude = 0;
                    for (int p = 0; p < k; p++)
                    {
                        want += (double)a[row * k + p] * w[p * cols + j];
                        magnitude += Math.Abs((double)a[row * k + p] * w[p * cols + j]);
                    }
                    float actual = got[row * cols + j];
                    if (row == 5) Assert.True(float.IsNaN(actual), $"row 5 column {j}: expected NaN, got {actual}");
                    else Assert.True(Math.Abs(actual - want) <= 1e-6 * magnitude + 1e-7, $"row {row} column {j}: {actual}, expected {want}");
                }
        }
    }

    private static byte[] ResizeModel(ElementType type, int h, int w, int oh, int ow, string coord)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", type, 1, 2, h, w);
        b.Int64Initializer("sizes", new long[] { 1, 2, oh, ow }, 4);
        b.Node("Resize", new[] { "x", "", "", "sizes" }, new[] { "y" }, "resize", ("mode", "linear"), ("coordinate_transformation_mode", coord));
        b.OutputUnknownShape("y", type);
        return b.ToBytes();
    }

    [Theory]
    [InlineData(4, 5, 8, 10, "asymmetric", "floor")]
    [InlineData(5, 7, 11, 6, "half_pixel", "round_prefer_floor")]
    [InlineData(6, 6, 9, 13, "align_corners", "round_prefer_ceil")]
    [InlineData(7, 3, 5, 7, "asymmetric", "ceil")]
    public void NearestResizeCopiesTheDefinedSourceIncludingNaN(int h, int w, int oh, int ow, string coord, string nearest)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, h, w);
        b.Int64Initializer("sizes", new long[] { 1, 2, oh, ow }, 4);
        b.Node("Resize", new[] { "x", "", "", "sizes" }, new[] { "y" }, "resize", ("mode", "nearest"),
            ("coordinate_transformation_mode", coord), ("nearest_mode", nearest));
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Normal(5, 2 * h * w);
        x[3] = float.NaN;
        var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()))
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 2, h, w }, x) })["y"].AsSpan<float>().ToArray();
        int Pick(int o, int inSize, int outSize)
        {
            double s = coord switch
            {
                "half_pixel" => (o + 0.5) * inSize / outSize - 0.5,
                "align_corners" => outSize == 1 ? 0 : o * (inSize - 1.0) / (outSize - 1),
                _ => o * (double)inSize / outSize,
            };
            double f = Math.Floor(s);
            int i = nearest switch
            {
                "floor" => (int)f,
                "ceil" => (int)Math.Ceiling(s),
                "round_prefer_ceil" => s - f >= 0.5 ? (int)f + 1 : (int)f,
                _ => s - f > 0.5 ? (int)f + 1 : (int)f,
            };
            return Math.Clamp(i, 0, inSize - 1);
        }
        for (int p = 0; p < 2; p++)
            for (int r = 0; r < oh; r++)
                for (int c = 0; c < ow; c++)
                {
                    float want = x[p * h * w + Pick(r, h, oh) * w + Pick(c, w, ow)], got = y[(p * oh + r) * ow + c];
                    Assert.True(want.Equals(got), $"({p},{r},{c}): {got}, expected {want}");
                }
    }

    [Theory]
    [InlineData(5, 7, 17, 23, "half_pixel")]
    [InlineData(6, 4, 6, 13, "align_corners")]
    [InlineData(9, 9, 4, 5, "pytorch_half_pixel")]
    [InlineData(3, 8, 12, 8, "asymmetric")]
    [InlineData(11, 13, 88, 104, "half_pixel")] // deeplabv3's 8x: the width pass buffered across eight output rows
    [InlineData(1, 1, 9, 19, "half_pixel")]     // the pooled ASPP branch broadcast: both taps on one value
    [InlineData(17, 21, 7, 9, "align_corners")]
    [InlineData(5, 19, 5, 37, "asymmetric")]    // height untouched: the width pass alone
    [InlineData(13, 6, 29, 6, "half_pixel")]    // width untouched: the height blend alone
    public void BilinearResizeMatchesTheFloat64DefinitionIncludingNaN(int h, int w, int oh, int ow, string coord)
    {
        var x = Normal(3, 2 * h * w);
        x[h * w + (h * w) / 2] = float.NaN;
        var y = RunBilinear(h, w, oh, ow, coord, x, threads: 1);
        double Source(double o, int inSize, int outSize) => coord switch
        {
            "half_pixel" => (o + 0.5) * inSize / outSize - 0.5,
            "pytorch_half_pixel" => outSize > 1 ? (o + 0.5) * inSize / outSize - 0.5 : 0,
            "align_corners" => outSize == 1 ? 0 : o * (inSize - 1) / (outSize - 1),
            _ => o * inSize / outSize,
        };
        for (int p = 0; p < 2; p++)
            for (int r = 0; r < oh; r++)
                for (int c = 0; c < ow; c++)
                {
                    int i = (p * oh + r) * ow + c;
                    // Bilinear in float64: the four neighbours of the source point, edges clamped.
                    double sy = Source(r, h, oh), sx = Source(c, w, ow);
                    int y0 = (int)Math.Floor(sy), x0 = (int)Math.Floor(sx);
                    double ty = sy - y0, tx = sx - x0;
                    double At(int yy, int xx) => x[p * h * w + Math.Clamp(yy, 0, h - 1) * w + Math.Clamp(xx, 0, w - 1)];
                    var corners = new[] { (y0, x0, (1 - ty) * (1 - tx)), (y0, x0 + 1, (1 - ty) * tx), (y0 + 1, x0, ty * (1 - tx)), (y0 + 1, x0 + 1, ty * tx) };
                    bool nan = corners.Any(q => q.Item3 != 0 && double.IsNaN(At(q.Item1, q.Item2)));
                    double want = corners.Where(q => q.Item3 != 0).Sum(q => q.Item3 * At(q.Item1, q.Item2));
                    double magnitude = corners.Where(q => q.Item3 != 0).Sum(q => Math.Abs(q.Item3 * At(q.Item1, q.Item2)));
                    if (nan) Assert.True(float.IsNaN(y[i]), $"({p},{r},{c}) reads the NaN, got {y[i]}");
                    // float32 in two passes: weights, products and sums each rounded (2^-24 relative), about six roundings.
                    else Assert.True(Math.Abs(y[i] - want) <= 8 * 6e-8 * magnitude + 1e-30, $"({p},{r},{c}): {y[i]}, expected {want}");
                }
    }

    [Fact]
    public void BilinearResizeOfAPixelReadingOneSourceValueIsThatValueExactly()
    {
        // A 1x1 map broadcast (deeplabv3's pooled branch): every output is the one input, not (1 - w)·v + w·v.
        var x = new[] { 0.1f, -3.7e-5f };
        var y = RunBilinear(1, 1, 7, 9, "half_pixel", x, threads: 1);
        for (int i = 0; i < y.Length; i++) Assert.Equal(x[i / 63], y[i]);
    }

    [Theory]
    [InlineData(11, 13, 88, 104, "linear")]
    [InlineData(9, 7, 18, 14, "nearest")] // the 2x duplicate
    [InlineData(9, 7, 27, 20, "nearest")] // the gathered pick
    public void ResizeGivesTheSameBitsAtOneTwoAndFourThreads(int h, int w, int oh, int ow, string mode)
    {
        const int planes = 7;
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, planes, h, w);
        b.Int64Initializer("sizes", new long[] { 1, planes, oh, ow }, 4);
        b.Node("Resize", new[] { "x", "", "", "sizes" }, new[] { "y" }, "resize", ("mode", mode), ("coordinate_transformation_mode", "asymmetric"));
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Normal(8, planes * h * w);
        float[] Run(int threads) => NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions { Threads = threads })
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, planes, h, w }, x) })["y"].AsSpan<float>().ToArray();
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(4));
    }

    private static float[] RunBilinear(int h, int w, int oh, int ow, string coord, float[] x, int threads) =>
        NativeSession.Create(ModelLoader.Load(ResizeModel(ElementType.Float, h, w, oh, ow, coord)), new SessionOptions { Threads = threads })
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, x.Length / (h * w), h, w }, x) })["y"]
            .AsSpan<float>().ToArray();
}
