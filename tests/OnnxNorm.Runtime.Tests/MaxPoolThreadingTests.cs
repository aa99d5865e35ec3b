using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>MaxPool splits (image, channel) planes across threads on large inputs; the split must not change a value.</summary>
public class MaxPoolThreadingTests
{
    [Fact]
    public void Two_threads_give_exactly_the_one_thread_result_including_NaN()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 8, 64, 64);
        b.Node("MaxPool", new[] { "x" }, new[] { "y" }, "pool",
            ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.OutputUnknownShape("y", ElementType.Float);
        using var model = ModelLoader.Load(b.ToBytes());
        var rng = new DeterministicRandom(3);
        var x = new float[2 * 8 * 64 * 64];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal();
        x[13 * 4096 + 65] = float.NaN; // plane 13 of 16, so it lands in the second thread's half
        var feed = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 8, 64, 64 }, x) };
        var one = NativeSession.Create(model, new SessionOptions { Threads = 1 }).Run(feed)["y"].AsSpan<float>().ToArray();
        var two = NativeSession.Create(model, new SessionOptions { Threads = 2 }).Run(feed)["y"].AsSpan<float>().ToArray();
        Assert.Equal(2 * 8 * 32 * 32, one.Length);
        // 16 planes x 1,024 windows x ~9 reads is above MaxPool's 65,536-read threshold, so two threads really split the work.
        Assert.Equal(one, two);
        Assert.True(float.IsNaN(two[13 * 1024 + 32]), "the window over the NaN must yield NaN");
        // A hand check away from the NaN: output (0,0,0,0) is the max of x[0..1, 0..1] (pad on the other sides).
        Assert.Equal(new[] { x[0], x[1], x[64], x[65] }.Max(), two[0]);
    }
}
