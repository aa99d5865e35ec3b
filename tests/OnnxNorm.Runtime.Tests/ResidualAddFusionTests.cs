using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.FusionTestRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// A residual Add (and the Relu after it) fused into the Conv step that computes one of its operands gives the
/// separate nodes' result bit for bit, and is left alone where it must be: a broadcasting Add, a Conv output that
/// something else reads or an observer watches.
/// </summary>
public class ResidualAddFusionTests
{
    private static readonly long[] XShape = { 2, 3, 9, 11 }, YShape = { 2, 8, 9, 11 };

    // x → Conv (→ BN) → c; y = (Relu)(Add(c, r)) or Add(r, c). r is a graph input: computed before the Conv.
    private static byte[] Model(bool relu, bool swapped, bool batchNorm, long[]? rShape = null, bool declareConvShape = false, bool convAlsoOutput = false)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, XShape.Cast<object>().ToArray());
        b.Input("r", ElementType.Float, (rShape ?? YShape).Cast<object>().ToArray());
        AddConv(b, "x", batchNorm ? "pre" : "c", seed: 5);
        if (batchNorm)
        {
            b.Initializer("gamma", new[] { 1.5f, -0.7f, 0.2f, 1f, 3f, 0.01f, 0.9f, -2f }, 8);
            b.Initializer("beta", new[] { 0.1f, -0.2f, 0.3f, 0f, -1f, 2f, 0.4f, 0.6f }, 8);
            b.Initializer("mean", new[] { 0.5f, -1f, 0f, 2f, 0.25f, -3f, 1f, 0f }, 8);
            b.Initializer("var", new[] { 1f, 0.5f, 2f, 0.1f, 4f, 1e-3f, 3f, 0.7f }, 8);
            b.Node("BatchNormalization", new[] { "pre", "gamma", "beta", "mean", "var" }, new[] { "c" }, "bn", ("epsilon", 1e-5f));
        }
        if (declareConvShape) b.Graph.ValueInfo.Add(new Ir.Proto.ValueInfoProto { Name = "c", Type = ModelBuilder.TensorType(ElementType.Float, YShape.Cast<object>().ToArray()) });
        b.Node("Add", swapped ? new[] { "r", "c" } : new[] { "c", "r" }, new[] { relu ? "s" : "y" }, "add");
        if (relu) b.Node("Relu", new[] { "s" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        if (convAlsoOutput) b.OutputUnknownShape("c", ElementType.Float);
        return b.ToBytes();
    }

    private static Dictionary<string, TensorValue> Inputs(long[]? rShape = null)
    {
        var feeds = Feed("x", XShape, 31);
        feeds["r"] = Feed("r", rShape ?? YShape, 32, specials: rShape is null)["r"]; // a per-channel r is too small for the planted values
        return feeds;
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    public void The_add_fused_into_the_conv_gives_the_separate_nodes_bits_at_one_and_two_threads(bool relu, bool swapped, bool batchNorm)
    {
        var model = Model(relu, swapped, batchNorm);
        foreach (int threads in new[] { 1, 2 })
        {
            // Folding a BN changes the Conv's constants, so the reference folds it too and only leaves the Add (and Relu) apart.
            var apart = Unfused(threads) with { FoldBatchNorm = batchNorm, SplitAllWork = threads > 1 };
            var (want, wantOps) = Run(model, Inputs(), "y", apart);
            var (got, ops) = Run(model, Inputs(), "y", SessionOptions.Default with { Threads = threads, SplitAllWork = threads > 1 });
            Assert.Contains("Add", wantOps);
            Assert.DoesNotContain("Add", ops);
            Assert.DoesNotContain("Relu", ops);
            Assert.DoesNotContain("BatchNormalization", ops);
            Assert.Contains(want, float.IsNaN);
            if (relu) Assert.Contains(want, v => v == 0f);
            AssertBitIdentical(want, got, $"relu={relu} swapped={swapped} bn={batchNorm}, {threads} threads");
        }
    }

    [Fact]
    public void A_broadcasting_add_with_declared_shapes_is_not_fused_and_an_undeclared_one_still_gives_the_add_bits()
    {
        long[] perChannel = { 2, 8, 1, 1 };
        var (want, _) = Run(Model(relu: true, swapped: false, batchNorm: false, perChannel), Inputs(perChannel), "y", Unfused());
        var (declared, declaredOps) = Run(Model(relu: true, swapped: false, batchNorm: false, perChannel, declareConvShape: true), Inputs(perChannel), "y", SessionOptions.Default);
        Assert.Contains("Add", declaredOps);
        AssertBitIdentical(want, declared, "declared broadcast");
        // Undeclared, the plan cannot tell; the Conv step sees the shapes differ and adds as the Add node would.
        var (undeclared, undeclaredOps) = Run(Model(relu: true, swapped: false, batchNorm: false, perChannel), Inputs(perChannel), "y", SessionOptions.Default);
        Assert.DoesNotContain("Add", undeclaredOps);
        AssertBitIdentical(want, undeclared, "undeclared broadcast");
    }

    [Fact]
    public void A_conv_output_read_twice_or_watched_keeps_its_add()
    {
        var (want, _) = Run(Model(relu: true, swapped: false, batchNorm: false), Inputs(), "y", Unfused());
        var (twice, twiceOps) = Run(Model(relu: true, swapped: false, batchNorm: false, convAlsoOutput: true), Inputs(), "y", SessionOptions.Default);
        Assert.Contains("Add", twiceOps);
        AssertBitIdentical(want, twice, "conv output also a graph output");

        var watcher = new WatchConv();
        var (watched, watchedOps) = Run(Model(relu: true, swapped: false, batchNorm: false), Inputs(), "y", SessionOptions.Default with { Observer = watcher });
        Assert.Contains("Add", watchedOps);
        Assert.Equal(1, watcher.Seen);
        AssertBitIdentical(want, watched, "conv output watched");
    }

    // Add(c1, c2) of two Convs of x: the first cannot read c2 (computed after it), the second reads c1.
    [Fact]
    public void Only_the_conv_computed_second_takes_an_add_of_two_conv_outputs()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, XShape.Cast<object>().ToArray());
        AddConv(b, "x", "c1", seed: 6);
        var rng = new DeterministicRandom(7);
        b.Initializer("w2", Enumerable.Range(0, 8 * 3).Select(_ => (float)rng.Normal()).ToArray(), 8, 3, 1, 1);
        b.Node("Conv", new[] { "x", "w2" }, new[] { "c2" }, "conv2");
        b.Node("Add", new[] { "c1", "c2" }, new[] { "s" }, "add");
        b.Node("Relu", new[] { "s" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var (want, _) = Run(model, Feed("x", XShape, 33), "y", Unfused());
        var (got, ops) = Run(model, Feed("x", XShape, 33), "y", SessionOptions.Default);
        Assert.DoesNotContain("Add", ops);
        Assert.Equal(2, ops.Count);
        AssertBitIdentical(want, got, "two convs");
    }

    // DeepLab's ASPP geometry: most taps of a 3x3 conv dilated 12 on a 14x14 map read padding, so the conv skips
    // them (TapSparseConv) instead of running the GEMM; the residual must still be added.
    [Fact]
    public void A_conv_that_skips_its_padding_taps_still_adds_the_residual()
    {
        long[] xShape = { 1, 32, 14, 14 }, yShape = { 1, 16, 14, 14 };
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, xShape.Cast<object>().ToArray());
        b.Input("r", ElementType.Float, yShape.Cast<object>().ToArray());
        var rng = new DeterministicRandom(8);
        b.Initializer("w", Enumerable.Range(0, 16 * 32 * 9).Select(_ => (float)rng.Normal() * 0.2f).ToArray(), 16, 32, 3, 3);
        b.Node("Conv", new[] { "x", "w" }, new[] { "c" }, "aspp", ("dilations", new long[] { 12, 12 }), ("pads", new long[] { 12, 12, 12, 12 }));
        b.Node("Add", new[] { "c", "r" }, new[] { "s" }, "add");
        b.Node("Relu", new[] { "s" }, new[] { "y" }, "relu");
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var feeds = Feed("x", xShape, 34);
        feeds["r"] = Feed("r", yShape, 35)["r"];
        var (want, _) = Run(model, feeds, "y", Unfused());
        var (got, ops) = Run(model, feeds, "y", SessionOptions.Default);
        Assert.DoesNotContain("Add", ops);
        AssertBitIdentical(want, got, "tap-sparse conv");
    }

    private sealed class WatchConv : IExecutionObserver
    {
        public int Seen { get; private set; }
        public bool Wants(Node producer, int outputIndex) => producer.OpType == "Conv";
        public void OnValue(Node producer, int outputIndex, TensorValue value) => Seen++;
    }
}
