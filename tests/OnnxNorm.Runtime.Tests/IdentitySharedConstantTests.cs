using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// PyTorch's exporter shares equal initializers through Identity nodes (MobileNetV3's squeeze-excitation biases
/// are all zero, so later blocks read an earlier block's bias through an Identity). A Conv whose weight or bias
/// arrives that way is still constant: it must pack its weights once, not on every run, and compute the same
/// bits as when it reads the initializer directly.
/// </summary>
public sealed class IdentitySharedConstantTests
{
    // 512 -> 512 on a 1x1 map, the shape of a squeeze-excitation conv: packed weights are 1 MiB.
    private const int Channels = 512;

    private static byte[] Model(bool biasThroughIdentity, bool weightThroughIdentity)
    {
        var rng = new DeterministicRandom(13);
        var b = new ModelBuilder(opset: 17, irVersion: 8);
        b.Input("x", ElementType.Float, 1, Channels, 1, 1);
        b.Initializer("w", ElementType.Float, new long[] { Channels, Channels, 1, 1 }, rng.Normals(Channels * Channels, 0.05));
        b.Initializer("bias", ElementType.Float, new long[] { Channels }, rng.Normals(Channels, 0.5));
        string w = "w", bias = "bias";
        if (weightThroughIdentity)
        {
            b.Node("Identity", new[] { "w" }, new[] { "w_shared" }, "share_w");
            w = "w_shared";
        }
        if (biasThroughIdentity)
        {
            b.Node("Identity", new[] { "bias" }, new[] { "bias_shared" }, "share_bias");
            bias = "bias_shared";
        }
        b.Node("Conv", new[] { "x", w, bias }, new[] { "y" }, "fc1", ("kernel_shape", new long[] { 1, 1 }));
        b.Output("y", ElementType.Float, 1, Channels, 1, 1);
        return b.ToBytes();
    }

    // (bias through Identity, weight through Identity)
    public static TheoryData<bool, bool> SharedInputs => new() { { true, false }, { false, true }, { true, true } };

    private static Dictionary<string, TensorValue> Feeds() => new()
    {
        ["x"] = TensorValue.FromTensor(Tensor.FromDoubles("x", ElementType.Float, new long[] { 1, Channels, 1, 1 },
            new DeterministicRandom(21).Normals(Channels, 1.0))),
    };

    [Theory]
    [MemberData(nameof(SharedInputs))]
    public void AConvReadingItsWeightsThroughIdentityDoesNotRepackThemOnEveryRun(bool biasThroughIdentity, bool weightThroughIdentity)
    {
        using var model = ModelLoader.Load(Model(biasThroughIdentity, weightThroughIdentity));
        var session = NativeSession.Create(model, new SessionOptions { Threads = 1 });
        var feeds = Feeds();
        for (int i = 0; i < 3; i++) session.Run(feeds);
        long before = GC.GetAllocatedBytesForCurrentThread();
        session.Run(feeds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Repacking allocates the packed weights (>= 1 MiB) again; a steady-state run allocates only small objects.
        Assert.True(allocated < Channels * Channels * sizeof(float) / 4, $"one run allocated {allocated:N0} bytes");
    }

    [Theory]
    [MemberData(nameof(SharedInputs))]
    public void AConvReadingItsWeightsThroughIdentityGivesTheSameBitsAsReadingTheInitializers(bool biasThroughIdentity, bool weightThroughIdentity)
    {
        using var direct = ModelLoader.Load(Model(false, false));
        using var shared = ModelLoader.Load(Model(biasThroughIdentity, weightThroughIdentity));
        var feeds = Feeds();
        var expected = NativeSession.Create(direct, new SessionOptions { Threads = 1 }).Run(feeds)["y"];
        var actual = NativeSession.Create(shared, new SessionOptions { Threads = 1 }).Run(feeds)["y"];
        Assert.Equal(expected.AsBytes().ToArray(), actual.AsBytes().ToArray());
        Assert.Contains(actual.ToDoubles(), v => v != 0);
    }
}
