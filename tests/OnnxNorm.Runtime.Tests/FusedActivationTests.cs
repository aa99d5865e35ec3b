using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Sigmoid, SiLU (Sigmoid + Mul), HardSigmoid, HardSwish, Relu, Clip and LeakyRelu fused into the Conv that feeds
/// them give the unfused graph's result bit for bit (NaN included), and the fusion happens (the activation runs under
/// the Conv).
/// </summary>
public class FusedActivationTests
{
    private static (byte[] Model, string Output) ConvThen(string activation)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 3, 9, 11);
        FusionTestRuns.AddConv(b, "x", "c", seed: 4);
        switch (activation)
        {
            case "SiLU":
                b.Node("Sigmoid", new[] { "c" }, new[] { "s" }, "sig");
                b.Node("Mul", new[] { "c", "s" }, new[] { "y" }, "mul");
                break;
            case "HardSigmoid":
                b.Node("HardSigmoid", new[] { "c" }, new[] { "y" }, "act", ("alpha", 0.3f), ("beta", 0.4f));
                break;
            case "Clip":
                b.Initializer("lo", new[] { -0.5f });
                b.Initializer("hi", new[] { 0.75f });
                b.Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" }, "act");
                break;
            case "LeakyRelu":
                b.Node("LeakyRelu", new[] { "c" }, new[] { "y" }, "act", ("alpha", 0.1f));
                break;
            default:
                b.Node(activation, new[] { "c" }, new[] { "y" }, "act");
                break;
        }
        b.OutputUnknownShape("y", ElementType.Float);
        return (b.ToBytes(), "y");
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("SiLU")]
    [InlineData("HardSigmoid")]
    [InlineData("HardSwish")]
    [InlineData("Relu")]
    [InlineData("Clip")]
    [InlineData("LeakyRelu")]
    public void FusedIntoTheConvGivesTheUnfusedResultBitForBit(string activation)
    {
        var (model, output) = ConvThen(activation);
        var rng = new DeterministicRandom(9);
        var x = new float[3 * 9 * 11];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal() * 4;
        x[17] = float.NaN; // poisons the outputs whose window covers it
        x[200] = float.PositiveInfinity;
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 3, 9, 11 }, x) };
        foreach (int threads in new[] { 1, 2 })
        {
            var profile = new OperatorProfile();
            var fused = NativeSession.Create(ModelLoader.Load(model), new SessionOptions { Threads = threads, Profile = profile }).Run(feeds)[output].AsSpan<float>().ToArray();
            var plain = NativeSession.Create(ModelLoader.Load(model), new SessionOptions { Threads = threads, FuseActivations = false }).Run(feeds)[output].AsSpan<float>().ToArray();
            Assert.DoesNotContain(profile.Entries, e => !e.Op.StartsWith("Conv", StringComparison.Ordinal));
            Assert.Contains(plain, float.IsNaN);
            for (int i = 0; i < plain.Length; i++)
                Assert.True(fused[i].Equals(plain[i]), $"{activation}, {threads} threads: element {i} fused {fused[i]}, unfused {plain[i]}");
        }
    }
}
