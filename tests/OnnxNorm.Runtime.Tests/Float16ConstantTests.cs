using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// float16 weights are widened to float32 once, when the plan is built, instead of on every run. Widening is
/// exact, so a model must give the same bits whether its fp16 weights are constants (widened ahead of time,
/// packed once) or fed at run time (converted per run).
/// </summary>
public sealed class Float16ConstantTests
{
    private const int C = 8, M = 16, H = 12, Classes = 10;

    // Conv (3x3, pad 1) + bias, Relu, GlobalAveragePool, Flatten, Gemm: the shapes of an fp16 classifier.
    private static byte[] Model(bool weightsAsInputs, ElementType type)
    {
        var rng = new DeterministicRandom(5);
        var b = new ModelBuilder(opset: 17, irVersion: 8);
        b.Input("x", type, 1, C, H, H);
        var weights = new (string Name, long[] Dims)[]
        {
            ("w", new long[] { M, C, 3, 3 }), ("bias", new long[] { M }), ("fc", new long[] { Classes, M }), ("fc_b", new long[] { Classes }),
        };
        foreach (var (name, dims) in weights)
        {
            var values = rng.Normals((int)dims.Aggregate(1L, (a, d) => a * d), 0.3);
            if (weightsAsInputs) b.Input(name, type, dims.Cast<object>().ToArray());
            else b.Initializer(name, type, dims, values);
        }
        b.Node("Conv", new[] { "x", "w", "bias" }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Node("Relu", new[] { "c" }, new[] { "r" }, "relu");
        b.Node("GlobalAveragePool", new[] { "r" }, new[] { "p" }, "pool");
        b.Node("Flatten", new[] { "p" }, new[] { "f" }, "flatten");
        b.Node("Gemm", new[] { "f", "fc", "fc_b" }, new[] { "y" }, "fc", ("transB", 1L));
        b.Output("y", type, 1, Classes);
        return b.ToBytes();
    }

    private static Dictionary<string, TensorValue> Feeds(Model weightsModel, ElementType type)
    {
        var rng = new DeterministicRandom(9);
        long[] shape = { 1, C, H, H };
        var feeds = new Dictionary<string, TensorValue>
        {
            ["x"] = TensorValue.FromTensor(Tensor.FromDoubles("x", type, shape, rng.Normals(C * H * H, 1.0))),
        };
        // The fed weights are the very tensors the constant model holds.
        foreach (var v in weightsModel.Graph.Initializers) feeds[v.Name] = TensorValue.FromTensor(v.Initializer!);
        return feeds;
    }

    [Theory]
    [InlineData(ElementType.Float16)]
    [InlineData(ElementType.BFloat16)]
    public void ConstantAndFedHalfPrecisionWeightsGiveTheSameBits(ElementType type)
    {
        using var constant = ModelLoader.Load(Model(weightsAsInputs: false, type));
        using var fed = ModelLoader.Load(Model(weightsAsInputs: true, type));
        var feeds = Feeds(constant, type);
        var fromConstants = NativeSession.Create(constant, new SessionOptions { Threads = 1 })
            .Run(new Dictionary<string, TensorValue> { ["x"] = feeds["x"] })["y"];
        var fromFeeds = NativeSession.Create(fed, new SessionOptions { Threads = 1 }).Run(feeds)["y"];
        Assert.Equal(type, fromConstants.ElementType);
        Assert.Equal(fromFeeds.AsBytes().ToArray(), fromConstants.AsBytes().ToArray());
        // Not all zero: the comparison must have something to compare.
        Assert.Contains(fromConstants.ToDoubles(), v => v != 0);
    }
}
