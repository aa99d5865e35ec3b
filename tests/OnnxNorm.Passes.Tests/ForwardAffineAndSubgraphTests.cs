using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class ForwardAffineAndSubgraphTests
{
    [Theory]
    [InlineData(1, 1, null, true)]
    [InlineData(1, 2, null, false)]          // grouped: input channels map per group
    [InlineData(3, 1, "VALID", true)]
    [InlineData(1, 1, "SAME_UPPER", true)]   // SAME with a 1×1 kernel pads nothing
    public void ForwardFoldIntoFollowingConvIsExact(int kernel, int group, string? autoPad, bool bias)
    {
        var b = FoldCases.ReluBnConv(autoPad: autoPad, kernel: kernel, group: group, bias: bias);
        using var m = Load(b);
        var r = Run(m, "fold-bn", "fold-bn-forward");
        Assert.Contains(r.Diagnostics, d => d.NodeName == "bn" && d.Code == FoldCodes.FoldedForwardIntoConv);
        Assert.Equal(0, Count(m, "BatchNormalization"));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void ForwardFoldIntoZeroPaddingConvIsRefused()
    {
        var b = FoldCases.ReluBnConv(pads: new long[] { 1, 1, 1, 1 }, kernel: 3);
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, "fold-bn-forward");
        Assert.Equal(FoldRefusalCodes.PaddingNotExact, Single(r, "bn").Code);
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void ForwardFoldThroughPaddingIsExactWhenTheShiftIsZero()
    {
        // β = μ·s makes t = 0: BN is a pure per-channel scale, and scaling commutes with zero padding.
        var b = FoldCases.ReluBnConv(pads: new long[] { 1, 1, 1, 1 }, kernel: 3);
        var p = new FoldCases.BnParams(new double[] { 1, 2, 0.5, 3 }, new double[] { 0, 0, 0, 0 }, new double[] { 0, 0, 0, 0 }, new double[] { 1, 4, 0.25, 9 }, 0f);
        foreach (var (name, values) in new[] { ("bn.scale", p.Gamma), ("bn.bias", p.Beta), ("bn.mean", p.Mean), ("bn.var", p.Var) })
        {
            var t = b.Graph.Initializer.First(x => x.Name == name);
            b.Graph.Initializer[b.Graph.Initializer.IndexOf(t)] = ModelBuilder.MakeTensor(name, ElementType.Float, new long[] { 4 }, values);
        }
        b.Graph.Node.Single(n => n.OpType == "BatchNormalization").Attribute.Single(a => a.Name == "epsilon").F = 0f;
        using var m = Load(b);
        var r = Run(m, "fold-bn-forward");
        Assert.Equal(FoldCodes.FoldedForwardIntoConv, Single(r, "bn").Code);
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void ForwardFoldIntoANonConvConsumerIsRefused()
    {
        var b = FoldCases.ConvBn(); // BN feeds an Identity, not a Conv
        using var m = Load(b);
        var r = Run(m, "fold-bn-forward");
        Assert.Equal(FoldRefusalCodes.ConsumerNotConv, Single(r, "bn").Code);
    }

    [Fact]
    public void BnToAffineMakesPerChannelMulAdd()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 3, 2, 2);
        FoldCases.BatchNorm(b, "x", "bn", new FoldCases.BnParams(new double[] { 1, 2, 3 }, new double[] { 0, 1, 2 }, new double[] { 1, 0, -1 }, new double[] { 3, 0, 8 }, 1f));
        b.OutputUnknownShape("bn.out", ElementType.Float);
        using var m = Load(b);
        var r = Run(m, "fold-bn", "bn-to-affine");
        Assert.Equal(FoldCodes.ConvertedToAffine, r.Runs[1].Diagnostics.Single().Code);
        var mul = m.Graph.Nodes.Single(n => n.OpType == "Mul");
        var add = m.Graph.Nodes.Single(n => n.OpType == "Add");
        Assert.Equal(new long[] { 3, 1, 1 }, mul.Input(1)!.Initializer!.Dims);
        // s = γ/√(σ²+1) = {1/2, 2/1, 3/3}; t = β − μ·s = {-0.5, 1, 3}.
        Assert.Equal(new[] { 0.5, 2, 1 }, mul.Input(1)!.Initializer!.ToDoubles());
        Assert.Equal(new[] { -0.5, 1, 3 }, add.Input(1)!.Initializer!.ToDoubles());
        Assert.Equal("bn.out", add.Output(0)!.Name);
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void BnToAffineWithUnknownRankIsRefused()
    {
        var b = new ModelBuilder();
        b.Graph.Input.Add(new Ir.Proto.ValueInfoProto { Name = "x", Type = new Ir.Proto.TypeProto { TensorType = new() { ElemType = 1 } } });
        FoldCases.BatchNorm(b, "x", "bn", new FoldCases.BnParams(new double[] { 1 }, new double[1], new double[1], new double[] { 1 }));
        b.OutputUnknownShape("bn.out", ElementType.Float);
        using var m = Load(b);
        var r = Run(m, "bn-to-affine");
        Assert.Equal(FoldRefusalCodes.UnknownRank, Single(r, "bn").Code);
        Assert.Equal(1, Count(m, "BatchNormalization"));
    }

    [Fact]
    public void BnInsideIfBranchesIsFolded()
    {
        var b = FoldCases.ConvBnInIfBranches();
        using var m = Load(b);
        var r = Run(m, "fold-bn", "clean-up");
        Assert.Equal(2, r.Diagnostics.Count(d => d.Code == "folded-into-conv"));
        Assert.Equal(0, Count(m, "BatchNormalization"));
        using var reloaded = Reload(m);
        AssertSameOutputs(b.ToBytes(), reloaded, condition: true);
        AssertSameOutputs(b.ToBytes(), reloaded, condition: false);
    }

    [Fact]
    public void BnInsideASubgraphFedFromTheOuterGraphIsRefused()
    {
        var b = new ModelBuilder(graphName: "outer");
        b.Input("cond", ElementType.Bool);
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        b.Initializer("w", new float[] { 1, 2, 3, 4 }, 2, 2, 1, 1);
        b.Node("Conv", new[] { "x", "w" }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        Ir.Proto.GraphProto Branch(string p)
        {
            var sb = new ModelBuilder(graphName: p);
            var y = FoldCases.BatchNorm(sb, "c", p == "then" ? "bn" : "bn_else", new FoldCases.BnParams(new double[] { 1, 2 }, new double[2], new double[2], new double[] { 1, 1 }));
            sb.OutputUnknownShape(y, ElementType.Float);
            return sb.Graph;
        }
        b.Node("If", new[] { "cond" }, new[] { "y" }, "branch", ("then_branch", (object)Branch("then")), ("else_branch", (object)Branch("else")));
        b.OutputUnknownShape("y", ElementType.Float);
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.ProducerInOuterScope, Single(r, "bn").Code);
        Assert.Equal(2, Count(m, "BatchNormalization"));
    }

    [Fact]
    public void FoldInALoopBodyBeforeIr4NeverAddsBodyInputs()
    {
        // Before IR 4 main-graph initializers are also inputs; a Loop body's inputs are positional
        // (iteration, condition, carried values), so a folded weight there must stay a plain initializer.
        var b = FoldCases.ConvBnInLoopBody();
        b.Model.IrVersion = 3;
        b.Graph.Input.Add(new Ir.Proto.ValueInfoProto { Name = "trip_count", Type = ModelBuilder.TensorType(ElementType.Int64) });
        using var m = Load(b);
        var body = m.Graph.Nodes.Single(n => n.OpType == "Loop").Subgraphs["body"];
        Run(m, "fold-bn", "clean-up");
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal(new[] { "i", "cond_in", "h" }, body.Inputs.Select(v => v.Name));
        Assert.Contains(body.Initializers, v => v.Name == "body.weight_bnfold");
        Assert.Equal(new[] { "x", "trip_count" }, m.Graph.Inputs.Select(v => v.Name));
    }

    [Fact]
    public void SharedWeightsGetNewTensorsAndTheSharedOneIsUntouched()
    {
        var b = FoldCases.SharedWeightConvBn();
        // A third Conv reads the shared weight without a BN: the original tensor must survive unchanged.
        b.Node("Conv", new[] { "x", "shared.weight" }, new[] { "plain" }, "plain.conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.OutputUnknownShape("plain", ElementType.Float);
        using var original = Load(b);
        var sharedBefore = original.Graph.Find("shared.weight")!.Initializer!.ToDoubles();
        using var m = Load(b);
        Run(m, "fold-bn", "clean-up");
        Assert.Equal(sharedBefore, m.Graph.Find("shared.weight")!.Initializer!.ToDoubles());
        var convs = m.Graph.Nodes.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(3, convs.Select(c => c.Input(1)!.Name).Distinct().Count());
        Assert.Equal(new[] { "shared.weight_bnfold", "shared.weight_bnfold_1", "shared.weight" }, convs.Select(c => c.Input(1)!.Name));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void FoldingIsDeterministic()
    {
        var bytes = CnnModels.ConvBnSmall().ToBytes();
        byte[] Fold()
        {
            using var m = ModelLoader.Load(bytes);
            Run(m, PassRegistry.DefaultPipeline.ToArray());
            return ModelSaver.ToBytes(m);
        }
        Assert.Equal(Fold(), Fold());
        Assert.NotEqual(bytes, Fold());
    }
}
