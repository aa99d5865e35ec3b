using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.ThreadCountRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Broadcast Add/Mul rows and GlobalAveragePool planes are split across threads on large tensors (forced here
/// with SplitAllWork); every thread count must give the same bits, and the values written out here.
/// </summary>
public class BroadcastAndPoolThreadingTests
{
    // [2, 64, 32, 40] x [64, 1, 40]: 4,096 rows of 40 over three outer dims, so a later thread's range
    // starts in the middle of an image and a channel.
    [Theory]
    [InlineData("Mul")]
    [InlineData("Add")]
    public void Broadcast_rows_are_bit_identical_at_one_two_and_four_threads_and_equal_the_scalar_result(string op)
    {
        long[] aShape = { 2, 64, 32, 40 }, bShape = { 64, 1, 40 };
        var b = new ModelBuilder(opset: 17);
        b.Input("a", ElementType.Float, aShape.Cast<object>().ToArray());
        b.Input("b", ElementType.Float, bShape.Cast<object>().ToArray());
        b.Node(op, new[] { "a", "b" }, new[] { "y" }, "op");
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var a = Normals(2 * 64 * 32 * 40, 7);
        var c = Normals(64 * 40, 8);
        a[1 * 64 * 32 * 40 + 50 * 32 * 40 + 7] = float.NaN; // in the second image: a later thread's range
        var feed = new Dictionary<string, TensorValue>
        {
            ["a"] = TensorValue.FromFloats(aShape, a),
            ["b"] = TensorValue.FromFloats(bShape, c),
        };
        var one = Run(model, feed, 1);
        for (int i = 0; i < a.Length; i++)
        {
            int w = i % 40, ch = i / (32 * 40) % 64;
            float bv = c[ch * 40 + w];
            float expected = op == "Mul" ? a[i] * bv : a[i] + bv;
            Assert.True(expected.Equals(one[i]), $"element {i}: expected {expected}, got {one[i]}");
        }
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(model, feed, threads));
    }

    // A squeeze-excitation block's pool: 96 planes of 112x112 (1.2M values), split by plane.
    [Fact]
    public void Global_average_pool_planes_are_bit_identical_at_one_two_and_four_threads_including_NaN()
    {
        long[] shape = { 1, 96, 112, 112 };
        const int size = 112 * 112;
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, shape.Cast<object>().ToArray());
        b.Node("GlobalAveragePool", new[] { "x" }, new[] { "y" }, "gap");
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var x = Normals(96 * size, 9);
        x[70 * size + 123] = float.NaN; // plane 70 of 96: the second thread's half
        var feed = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(shape, x) };
        var one = Run(model, feed, 1);
        Assert.Equal(96, one.Length);
        Assert.True(float.IsNaN(one[70]), "the plane holding the NaN must pool to NaN");
        for (int p = 0; p < 96; p++)
        {
            if (p == 70) continue;
            double sum = 0; // in double, in order: far below float's ulp away from the vector sum
            for (int i = 0; i < size; i++) sum += x[p * size + i];
            Assert.Equal((float)(sum / size), one[p], 1e-6f);
        }
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(model, feed, threads));
    }
}
