using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ort.Tests;

/// <summary>ORT's own profiler read back per op type, its Conv kernels classed like the native executor's.</summary>
public class OrtProfileTests
{
    // A dense 3x3 Conv + Relu (ORT fuses them), a depthwise 3x3 stride-2 Conv, a 1x1 Conv and a GlobalAveragePool.
    private static byte[] ThreeConvModel()
    {
        var rng = new DeterministicRandom(13);
        float[] Weights(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.Normal() * 0.2f).ToArray();
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 8, 16, 16);
        b.Initializer("w1", Weights(16 * 8 * 9), 16, 8, 3, 3);
        b.Initializer("w2", Weights(16 * 9), 16, 1, 3, 3);
        b.Initializer("w3", Weights(8 * 16), 8, 16, 1, 1);
        b.Node("Conv", new[] { "x", "w1" }, new[] { "c1" }, "dense", ("pads", new long[] { 1, 1, 1, 1 }));
        b.Op("Relu", "r1", "c1");
        b.Node("Conv", new[] { "r1", "w2" }, new[] { "c2" }, "depthwise", ("group", 16L), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Node("Conv", new[] { "c2", "w3" }, new[] { "c3" }, "pointwise");
        b.Op("GlobalAveragePool", "y", "c3");
        b.Output("y", ElementType.Float, 1, 8, 1, 1);
        return b.ToBytes();
    }

    private static Dictionary<string, TensorValue> Input() =>
        new() { ["x"] = TensorValue.FromFloats(new long[] { 1, 8, 16, 16 }, Enumerable.Range(0, 8 * 16 * 16).Select(i => (float)Math.Sin(i)).ToArray()) };

    [Fact]
    public void Ort_profile_names_the_conv_classes_the_native_profile_names()
    {
        var ortProfile = new OperatorProfile();
        using (var s = OrtSession.FromBytes(ThreeConvModel(), new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = 1, Profile = ortProfile }))
        {
            s.Run(Input());
            s.EndProfiling();
        }
        var nativeProfile = new OperatorProfile();
        NativeSession.Create(ModelLoader.Load(ThreeConvModel()), new SessionOptions { Threads = 1, Profile = nativeProfile }).Run(Input());

        string[] expected = { "Conv dense 1x1", "Conv dense 3x3", "Conv depthwise 3x3 s2x2" };
        Assert.Equal(expected, nativeProfile.Entries.Select(e => e.Op).Where(op => op.StartsWith("Conv", StringComparison.Ordinal)).Order());
        // ORT's names stay ORT's (the Conv+Relu may run as FusedConv); the class after the name is the native one.
        var ortConvs = ortProfile.Entries.Select(e => e.Op).Where(op => op.Contains("Conv ", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, ortConvs.Select(op => op.Replace("FusedConv", "Conv", StringComparison.Ordinal)).Order());
        Assert.All(ortProfile.Entries, e => Assert.True(e.Time > TimeSpan.Zero, $"{e.Op}: {e.Time}"));
        Assert.Contains(ortProfile.Entries, e => e.Op == "GlobalAveragePool");
    }

    [Fact]
    public void Ort_profile_leaves_the_warm_up_runs_out()
    {
        var profile = new OperatorProfile();
        using var s = OrtSession.FromBytes(ThreeConvModel(), new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = 1, Profile = profile });
        for (int i = 0; i < 5; i++) s.Run(Input());
        s.EndProfiling(skipRuns: 3);
        // Two counted runs, one GlobalAveragePool each.
        Assert.Equal(2, profile.Entries.Single(e => e.Op == "GlobalAveragePool").Calls);
        Assert.Throws<InvalidOperationException>(() => s.EndProfiling());
    }

    [Theory]
    [InlineData(224, 112, 7, 2)] // 7x7 stride 2, padding 3
    [InlineData(56, 56, 3, 1)]   // 3x3, padding 1
    [InlineData(56, 28, 1, 2)]   // 1x1 stride 2, no padding
    [InlineData(7, 1, 7, 1)]     // a kernel as large as the map
    [InlineData(20, 18, 3, 1)]   // 3x3, no padding
    [InlineData(17, 8, 3, 2)]    // 3x3 stride 2, no padding
    public void Ort_conv_stride_is_recovered_from_the_spatial_sizes(long input, long output, long kernel, long stride) =>
        Assert.Equal(stride, OrtProfileTrace.Stride(input, output, kernel));
}
