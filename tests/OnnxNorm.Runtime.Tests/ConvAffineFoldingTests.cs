using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.FusionTestRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Per-channel constant Mul/Add after a Conv (PaddleOCR's exported BNs) are folded into the Conv's weight and bias
/// when the plan is built, within the BN fold's noise of the unfolded ops; never a constant that varies along
/// another axis, nor across a value read twice or watched.
/// </summary>
public class ConvAffineFoldingTests
{
    // x [1, 3, 9, 8] → Conv (8 output channels) → Mul(scale, c) → Add(m, shift) → y. Width 8 = channels, so a
    // shape-[8] constant broadcasts along the width, not the channels.
    private static byte[] ConvMulAdd(float[] scale, long[] scaleDims, float[] shift, long[] shiftDims, bool convAlsoOutput = false)
    {
        var b = new ModelBuilder(opset: 11);
        b.Input("x", ElementType.Float, 1, 3, 9, 8);
        FusionTestRuns.AddConv(b, "x", "c", seed: 12);
        b.Initializer("scale", scale, scaleDims);
        b.Initializer("shift", shift, shiftDims);
        b.Node("Mul", new[] { "scale", "c" }, new[] { "m" }, "mul");
        b.Node("Add", new[] { "m", "shift" }, new[] { "y" }, "add");
        b.OutputUnknownShape("y", ElementType.Float);
        if (convAlsoOutput) b.OutputUnknownShape("c", ElementType.Float);
        return b.ToBytes();
    }

    private static readonly float[] PerChannel = { 0.94f, 1.9f, -0.36f, 0.92f, 2.7f, 0.49f, 1.26f, 0.31f };
    private static Dictionary<string, TensorValue> Input() => Feed("x", new long[] { 1, 3, 9, 8 }, 3);

    public static TheoryData<string> FoldableShapes => new() { "scalar rank 1", "scalar rank 0", "per channel [1,8,1,1]", "per channel [8,1,1]" };

    [Theory]
    [MemberData(nameof(FoldableShapes))]
    public void PerChannelMulAndAddAfterAConvAreFoldedIntoItWithinTheBatchNormFoldNoiseAtEveryThreadCount(string shape)
    {
        var model = shape switch
        {
            "scalar rank 1" => ConvMulAdd(new[] { 0.9431691f }, new long[] { 1 }, new[] { -0.5465887f }, new long[] { 1 }),
            "scalar rank 0" => ConvMulAdd(new[] { 1.9006079f }, Array.Empty<long>(), new[] { 0.801172f }, Array.Empty<long>()),
            "per channel [1,8,1,1]" => ConvMulAdd(PerChannel, new long[] { 1, 8, 1, 1 }, PerChannel.Reverse().ToArray(), new long[] { 1, 8, 1, 1 }),
            _ => ConvMulAdd(PerChannel, new long[] { 8, 1, 1 }, PerChannel, new long[] { 8, 1, 1 }),
        };
        var (unfolded, unfoldedOps) = Run(model, Input(), "y", Unfused());
        Assert.Contains("Mul", unfoldedOps);
        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var (folded, ops) = Run(model, Input(), "y", new SessionOptions { Threads = threads });
            Assert.All(ops, op => Assert.StartsWith("Conv", op));
            AssertWithinFoldNoise(unfolded, folded, $"{shape}, {threads} threads");
            if (first is null) first = folded;
            else AssertBitIdentical(first, folded, $"{shape}: {threads} threads against 1");
        }
    }

    public static TheoryData<string> RefusedShapes => new() { "[8] along the width", "[1,1,1,8] along the width", "[1,8,9,8] every element", "[1,1,1,1,1] adds a dim" };

    [Theory]
    [MemberData(nameof(RefusedShapes))]
    public void AConstantThatVariesAlongAnotherAxisThanTheChannelsOrAddsADimIsNotFolded(string shape)
    {
        var model = shape switch
        {
            "[8] along the width" => ConvMulAdd(PerChannel, new long[] { 8 }, new[] { 0.5f }, new long[] { 1 }),
            "[1,1,1,8] along the width" => ConvMulAdd(PerChannel, new long[] { 1, 1, 1, 8 }, new[] { 0.5f }, new long[] { 1 }),
            "[1,8,9,8] every element" => ConvMulAdd(Enumerable.Range(0, 8 * 9 * 8).Select(i => 1f + i % 7 * 0.1f).ToArray(), new long[] { 1, 8, 9, 8 }, new[] { 0.5f }, new long[] { 1 }),
            _ => ConvMulAdd(new[] { 1.5f }, new long[] { 1, 1, 1, 1, 1 }, new[] { 0.5f }, new long[] { 1 }),
        };
        var (unfolded, _) = Run(model, Input(), "y", Unfused());
        var (y, ops) = Run(model, Input(), "y", SessionOptions.Default);
        Assert.Contains("Mul", ops);
        Assert.Contains("Add", ops);
        AssertBitIdentical(unfolded, y, shape);
    }

    [Fact]
    public void AConvOutputThatIsAlsoReadElsewhereKeepsItsMulAndAdd()
    {
        var model = ConvMulAdd(PerChannel, new long[] { 1, 8, 1, 1 }, PerChannel, new long[] { 1, 8, 1, 1 }, convAlsoOutput: true);
        var (unfolded, _) = Run(model, Input(), "y", Unfused());
        var (y, ops) = Run(model, Input(), "y", SessionOptions.Default);
        Assert.Contains("Mul", ops);
        Assert.Contains("Add", ops);
        AssertBitIdentical(unfolded, y, "Conv output also a graph output");
    }

    [Fact]
    public void AWatchedMulOutputStopsTheFoldAfterTheMulAndTheObserverSeesIt()
    {
        var model = ConvMulAdd(PerChannel, new long[] { 1, 8, 1, 1 }, PerChannel, new long[] { 1, 8, 1, 1 });
        var watched = new Watcher("m");
        var (y, ops) = Run(model, Input(), "y", SessionOptions.Default with { Observer = watched });
        Assert.Contains("Add", ops);
        Assert.DoesNotContain("Mul", ops); // folded into the Conv, whose step now writes the watched m
        var plain = new Watcher("m");
        var (unfolded, _) = Run(model, Input(), "y", Unfused() with { Observer = plain });
        Assert.Single(watched.Seen);
        AssertWithinFoldNoise(plain.Seen[0], watched.Seen[0], "watched m");
        AssertWithinFoldNoise(unfolded, y, "y");
    }

    private sealed class Watcher(string name) : IExecutionObserver
    {
        public List<float[]> Seen { get; } = new();
        public bool Wants(Node producer, int outputIndex) => producer.Outputs[outputIndex]?.Name == name;
        public void OnValue(Node producer, int outputIndex, TensorValue value) { lock (Seen) Seen.Add(value.AsSpan<float>().ToArray()); }
    }
}
