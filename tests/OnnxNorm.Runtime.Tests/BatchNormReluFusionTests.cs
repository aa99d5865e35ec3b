using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.FusionTestRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// A standalone inference BatchNormalization (pre-activation networks: DenseNet's BN + Relu before each Conv) runs its
/// Relu in the same step, with the two ops' bits; not when the BN's output is read twice or watched. A Concat along the
/// channels that only such a BN reads runs in that step too, reading its inputs straight, with the same bits.
/// </summary>
public class BatchNormReluFusionTests
{
    // x [2, 6, 7, 9] → BN → Relu → y (and the BN output as a second graph output when asked).
    private static byte[] Model(bool bnAlsoOutput = false)
    {
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 2, 6, 7, 9);
        b.Initializer("gamma", new[] { 1.5f, -0.7f, 0.2f, 1f, 3f, 0.01f }, 6);
        b.Initializer("beta", new[] { 0.1f, -0.2f, 0.3f, 0f, -1f, 2f }, 6);
        b.Initializer("mean", new[] { 0.5f, -1f, 0f, 2f, 0.25f, -3f }, 6);
        b.Initializer("var", new[] { 1f, 0.5f, 2f, 0.1f, 4f, 1e-3f }, 6);
        b.Node("BatchNormalization", new[] { "x", "gamma", "beta", "mean", "var" }, new[] { "n" }, "bn", ("epsilon", 1e-5f));
        b.Node("Relu", new[] { "n" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        if (bnAlsoOutput) b.OutputUnknownShape("n", ElementType.Float);
        return b.ToBytes();
    }

    private static Dictionary<string, TensorValue> Input() => Feed("x", new long[] { 2, 6, 7, 9 }, 21);

    [Fact]
    public void TheReluRunsInsideTheBatchNormStepWithTheTwoOpsBitsAtEveryThreadCount()
    {
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var (plain, plainOps) = Run(Model(), Input(), "y", Unfused(threads) with { SplitAllWork = true });
            var (fused, ops) = Run(Model(), Input(), "y", new SessionOptions { Threads = threads, SplitAllWork = true });
            Assert.Contains("Relu", plainOps);
            Assert.Equal(new[] { "BatchNormalization" }, ops);
            Assert.Contains(plain, float.IsNaN);
            Assert.Contains(plain, v => v == 0f);
            AssertBitIdentical(plain, fused, $"{threads} threads");
        }
    }

    [Fact]
    public void ABatchNormOutputReadTwiceOrWatchedKeepsItsRelu()
    {
        var (plain, _) = Run(Model(bnAlsoOutput: true), Input(), "y", Unfused());
        var (y, ops) = Run(Model(bnAlsoOutput: true), Input(), "y", SessionOptions.Default);
        Assert.Contains("Relu", ops);
        AssertBitIdentical(plain, y, "BN output also a graph output");

        var (watched, watchedOps) = Run(Model(), Input(), "y", SessionOptions.Default with { Observer = new WatchBn() });
        Assert.Contains("Relu", watchedOps);
        AssertBitIdentical(plain, watched, "BN output watched");
    }

    private sealed class WatchBn : IExecutionObserver
    {
        public bool Wants(Node producer, int outputIndex) => producer.OpType == "BatchNormalization";
        public void OnValue(Node producer, int outputIndex, TensorValue value) { }
    }

    // a [2, 4, 7, 9] and b [2, 2, 7, 9] of the given type → Concat(axis) → BN (float32 constants) → Relu → y.
    private static byte[] ConcatModel(ElementType type, long axis = 1, bool concatAlsoOutput = false)
    {
        var b = new ModelBuilder(opset: 15);
        b.Input("a", type, 2, 4, 7, 9);
        b.Input("b", type, 2, 2, 7, 9);
        b.Initializer("gamma", new[] { 1.5f, -0.7f, 0.2f, 1f, 3f, 0.01f }, 6);
        b.Initializer("beta", new[] { 0.1f, -0.2f, 0.3f, 0f, -1f, 2f }, 6);
        b.Initializer("mean", new[] { 0.5f, -1f, 0f, 2f, 0.25f, -3f }, 6);
        b.Initializer("var", new[] { 1f, 0.5f, 2f, 0.1f, 4f, 1e-3f }, 6);
        b.Node("Concat", new[] { "a", "b" }, new[] { "j" }, "concat", ("axis", axis));
        b.Node("BatchNormalization", new[] { "j", "gamma", "beta", "mean", "var" }, new[] { "n" }, "bn", ("epsilon", 1e-5f));
        b.Node("Relu", new[] { "n" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", type);
        if (concatAlsoOutput) b.OutputUnknownShape("j", type);
        return b.ToBytes();
    }

    private static Dictionary<string, TensorValue> ConcatInputs(ElementType type)
    {
        var feeds = Feed("a", new long[] { 2, 4, 7, 9 }, 22);
        feeds["b"] = Feed("b", new long[] { 2, 2, 7, 9 }, 23)["b"];
        if (type == ElementType.Float) return feeds;
        return feeds.ToDictionary(kv => kv.Key, kv => TensorValue.FromTensor(Tensor.FromDoubles(kv.Key, type, kv.Value.Shape, kv.Value.ToDoubles())));
    }

    private static (byte[] Bytes, List<string> Ops) RunConcat(byte[] model, ElementType type, SessionOptions options)
    {
        var profile = new OperatorProfile();
        var y = NativeSession.Create(ModelLoader.Load(model), options with { Profile = profile }).Run(ConcatInputs(type))["y"];
        return (y.AsBytes().ToArray(), profile.Entries.Select(e => e.Op).ToList());
    }

    [Theory]
    [InlineData(ElementType.Float)]
    [InlineData(ElementType.Float16)]
    public void AConcatReadOnlyByTheBatchNormRunsInItsStepWithTheSeparateOpsBitsAtEveryThreadCount(ElementType type)
    {
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var (plain, plainOps) = RunConcat(ConcatModel(type), type, Unfused(threads) with { SplitAllWork = true });
            var (fused, ops) = RunConcat(ConcatModel(type), type, new SessionOptions { Threads = threads, SplitAllWork = true });
            Assert.Contains("Concat", plainOps);
            Assert.Equal(new[] { "Concat+BatchNormalization" }, ops);
            Assert.Equal(plain, fused);
        }
    }

    [Fact]
    public void AConcatAlsoReadElsewhereOrAlongANegativeAxisStaysItsOwnStep()
    {
        foreach (var model in new[] { ConcatModel(ElementType.Float, concatAlsoOutput: true), ConcatModel(ElementType.Float, axis: -3) })
        {
            var (plain, _) = RunConcat(model, ElementType.Float, Unfused());
            var (y, ops) = RunConcat(model, ElementType.Float, SessionOptions.Default);
            Assert.Contains("Concat", ops);
            Assert.Contains("BatchNormalization", ops);
            Assert.DoesNotContain("Relu", ops);
            Assert.Equal(plain, y);
        }
    }
}
