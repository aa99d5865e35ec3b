using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.ThreadCountRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The operators split into ranges on the worker pool (Transpose, Concat, AveragePool, MaxPool, same-shape Add,
/// standalone Sigmoid, linear and nearest Resize), splitting forced with SplitAllWork: every thread count gives the same bits, and the
/// values written out here.
/// </summary>
public class SplitOperatorThreadingTests
{
    // Runs at 1 thread, checks the values, then asserts 2 and 4 threads give the same bits.
    private static void Check(byte[] model, Dictionary<string, TensorValue> feed, Action<float[]> expect)
    {
        var one = Run(model, feed, 1);
        expect(one);
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(model, feed, threads));
    }

    private static ModelBuilder OneNode(string op, (string Name, long[] Shape)[] inputs, params (string Name, object Value)[] attributes)
    {
        var b = new ModelBuilder(opset: 17);
        foreach (var (name, shape) in inputs) b.Input(name, ElementType.Float, shape.Cast<object>().ToArray());
        b.Node(op, inputs.Select(i => i.Name).ToArray(), new[] { "y" }, "op", attributes);
        b.OutputUnknownShape("y", ElementType.Float);
        return b;
    }

    // [0, 3, 1, 2] is a batched matrix transpose (copied in tiles, split by row bands); [0, 2, 1, 3] is not
    // (gathered through an index map, split by output ranges).
    [Theory]
    [InlineData(0, 3, 1, 2)]
    [InlineData(0, 2, 1, 3)]
    public void Transpose_is_bit_identical_at_one_two_and_four_threads(int p0, int p1, int p2, int p3)
    {
        long[] shape = { 2, 28, 30, 96 }, perm = { p0, p1, p2, p3 };
        var x = Normals(2 * 28 * 30 * 96, 1);
        var model = OneNode("Transpose", new[] { ("x", shape) }, ("perm", perm)).ToBytes();
        long[] outShape = perm.Select(p => shape[p]).ToArray();
        Check(model, new() { ["x"] = TensorValue.FromFloats(shape, x) }, y =>
        {
            var index = new long[4];
            for (int o = 0; o < y.Length; o++)
            {
                long rest = o;
                for (int d = 3; d >= 0; d--) { index[perm[d]] = rest % outShape[d]; rest /= outShape[d]; }
                long at = ((index[0] * shape[1] + index[1]) * shape[2] + index[2]) * shape[3] + index[3];
                Assert.Equal(x[at], y[o]);
            }
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Concat_is_bit_identical_at_one_two_and_four_threads(int axis)
    {
        // Three inputs, one of them empty along the axis; on axis 2 each output row holds a piece of every input.
        long[] a = { 2, 40, 24, 20 }, b = { 2, 40, 24, 20 }, e = { 2, 40, 24, 20 };
        b[axis] = 17;
        e[axis] = 0;
        var xa = Normals((int)a.Aggregate(1L, (p, d) => p * d), 2);
        var xb = Normals((int)b.Aggregate(1L, (p, d) => p * d), 3);
        var model = OneNode("Concat", new[] { ("a", a), ("e", e), ("b", b) }, ("axis", (long)axis)).ToBytes();
        var feed = new Dictionary<string, TensorValue>
        {
            ["a"] = TensorValue.FromFloats(a, xa), ["e"] = TensorValue.FromFloats(e, Array.Empty<float>()), ["b"] = TensorValue.FromFloats(b, xb),
        };
        long inner = a.Skip(axis + 1).Aggregate(1L, (p, d) => p * d), rowA = a[axis] * inner, rowB = b[axis] * inner;
        Check(model, feed, y =>
        {
            Assert.Equal(xa.Length + xb.Length, y.Length);
            for (int i = 0; i < y.Length; i++)
            {
                long o = i / (rowA + rowB), within = i % (rowA + rowB);
                float expected = within < rowA ? xa[o * rowA + within] : xb[o * rowB + within - rowA];
                Assert.Equal(expected, y[i]);
            }
        });
    }

    [Fact]
    public void AveragePool_2x2_is_bit_identical_at_one_two_and_four_threads_and_averages_in_double()
    {
        const int c = 40, h = 24, w = 26;
        var x = Normals(c * h * w, 4);
        var model = OneNode("AveragePool", new[] { ("x", new long[] { 1, c, h, w }) }, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })).ToBytes();
        Check(model, new() { ["x"] = TensorValue.FromFloats(new long[] { 1, c, h, w }, x) }, y =>
        {
            for (int p = 0; p < c; p++)
                for (int i = 0; i < h / 2; i++)
                    for (int j = 0; j < w / 2; j++)
                    {
                        int at = (p * h + 2 * i) * w + 2 * j;
                        double sum = (double)x[at] + x[at + 1] + x[at + w] + x[at + w + 1];
                        Assert.Equal((float)(sum / 4), y[(p * (h / 2) + i) * (w / 2) + j]);
                    }
        });
    }

    [Fact]
    public void MaxPool_3x3_stride_2_is_bit_identical_at_one_two_and_four_threads_including_NaN()
    {
        const int c = 24, h = 30, w = 30, oh = 15, ow = 15;
        var x = Normals(c * h * w, 5);
        x[17 * h * w + 10 * w + 11] = float.NaN; // plane 17 of 24: a later range
        var model = OneNode("MaxPool", new[] { ("x", new long[] { 1, c, h, w }) }, ("kernel_shape", new long[] { 3, 3 }),
            ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })).ToBytes();
        Check(model, new() { ["x"] = TensorValue.FromFloats(new long[] { 1, c, h, w }, x) }, y =>
        {
            for (int p = 0; p < c; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        float best = float.NegativeInfinity;
                        bool nan = false;
                        for (int di = -1; di <= 1; di++)
                            for (int dj = -1; dj <= 1; dj++)
                            {
                                int r = 2 * i + di, q = 2 * j + dj;
                                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                                float v = x[(p * h + r) * w + q];
                                nan |= float.IsNaN(v);
                                if (v > best) best = v;
                            }
                        float got = y[(p * oh + i) * ow + j];
                        if (nan) Assert.True(float.IsNaN(got), $"plane {p} ({i}, {j}) must be NaN");
                        else Assert.Equal(best, got);
                    }
        });
    }

    [Fact]
    public void Same_shape_Add_is_bit_identical_at_one_two_and_four_threads()
    {
        long[] shape = { 1, 32, 35, 37 }; // 41,440 values: not a multiple of the vector width
        var a = Normals(32 * 35 * 37, 6);
        var c = Normals(32 * 35 * 37, 7);
        var model = OneNode("Add", new[] { ("a", shape), ("b", shape) }).ToBytes();
        Check(model, new() { ["a"] = TensorValue.FromFloats(shape, a), ["b"] = TensorValue.FromFloats(shape, c) }, y =>
        {
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i] + c[i], y[i]);
        });
    }

    [Fact]
    public void Standalone_Sigmoid_is_bit_identical_at_one_two_and_four_threads()
    {
        long[] shape = { 1, 48, 29, 31 };
        var x = Normals(48 * 29 * 31, 8);
        var model = OneNode("Sigmoid", new[] { ("x", shape) }).ToBytes();
        Check(model, new() { ["x"] = TensorValue.FromFloats(shape, x) }, y =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double expected = 1 / (1 + Math.Exp(-(double)x[i]));
                Assert.True(Math.Abs(y[i] - expected) <= 2e-7, $"element {i}: {y[i]}, expected {expected}");
            }
        });
    }

    [Fact]
    public void Linear_Resize_is_bit_identical_at_one_two_and_four_threads_and_keeps_a_constant_plane()
    {
        const int c = 20, h = 17, w = 19;
        var x = Normals(c * h * w, 9);
        for (int i = 0; i < h * w; i++) x[13 * h * w + i] = 0.375f; // plane 13: constant, so every output is 0.375
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, c, h, w);
        b.Int64Initializer("sizes", new long[] { 1, c, 2 * h, 2 * w }, 4);
        b.Node("Resize", new[] { "x", "", "", "sizes" }, new[] { "y" }, "resize", ("mode", "linear"));
        b.OutputUnknownShape("y", ElementType.Float);
        Check(b.ToBytes(), new() { ["x"] = TensorValue.FromFloats(new long[] { 1, c, h, w }, x) }, y =>
        {
            Assert.Equal(c * 4 * h * w, y.Length);
            for (int i = 0; i < 4 * h * w; i++) Assert.Equal(0.375f, y[13 * 4 * h * w + i]);
        });
    }

    // PP-OCRv4 det's FPN upsampling (nearest, asymmetric, floor): output (i, j) is input (i / s, j / s); -0 comes out
    // as +0 (the general path's 0 + 1·v), NaN and infinities pass.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Nearest_Resize_is_bit_identical_at_one_two_and_four_threads_and_picks_the_floor_source(int s)
    {
        const int c = 20, h = 9, w = 11;
        var x = Normals(c * h * w, 10);
        x[3] = -0f;
        x[15 * h * w + 2 * w + 5] = float.NaN;
        x[16 * h * w + 7] = float.NegativeInfinity;
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, c, h, w);
        b.Int64Initializer("sizes", new long[] { 1, c, s * h, s * w }, 4);
        b.Node("Resize", new[] { "x", "", "", "sizes" }, new[] { "y" }, "resize",
            ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
        b.OutputUnknownShape("y", ElementType.Float);
        Check(b.ToBytes(), new() { ["x"] = TensorValue.FromFloats(new long[] { 1, c, h, w }, x) }, y =>
        {
            Assert.Equal(c * s * h * s * w, y.Length);
            for (int p = 0; p < c; p++)
                for (int i = 0; i < s * h; i++)
                    for (int j = 0; j < s * w; j++)
                    {
                        float v = x[(p * h + i / s) * w + j / s];
                        float expected = v == 0 ? 0f : v;
                        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[((p * s * h) + i) * s * w + j]));
                    }
        });
    }
}
