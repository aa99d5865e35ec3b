using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class FoldBatchNormIntoConvTransposeGemmMatMulTests
{
    [Theory]
    [InlineData(4, 6, 2, true)]
    [InlineData(4, 4, 4, false)]
    [InlineData(2, 6, 1, true)]
    public void ConvTransposeFoldScalesOutputChannelsPerGroup(int cin, int cout, int group, bool bias)
    {
        var b = FoldCases.ConvTransposeBn(cin, cout, group, bias: bias);
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal("folded-into-conv-transpose", Single(r, "bn").Code);
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void ConvTransposeGroupedWeightsMatchHandDerivedValues()
    {
        // Cin = 4, group = 2, W [4, 2, 1, 1] = 1..8: W[ci, j] feeds output channel (ci / 2)·2 + j.
        // s = {1, 2, 3, 4} (γ = s·√(0+1), σ² = 0, ε = 1), so W' = {1·1, 2·2, 3·1, 4·2, 5·3, 6·4, 7·3, 8·4}.
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 4, 2, 2);
        b.Initializer("w", new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 4, 2, 1, 1);
        b.Node("ConvTranspose", new[] { "x", "w" }, new[] { "c" }, "deconv", ("kernel_shape", new long[] { 1, 1 }), ("group", 2));
        FoldCases.BatchNorm(b, "c", "bn", new FoldCases.BnParams(new double[] { 1, 2, 3, 4 }, new double[4], new double[4], new double[4], 1f));
        b.OutputUnknownShape("bn.out", ElementType.Float);
        using var m = Load(b);
        Run(m, "fold-bn");
        Assert.Equal(new double[] { 1, 4, 3, 8, 15, 24, 21, 32 }, m.Graph.Nodes.Single().Input(1)!.Initializer!.ToDoubles());
    }

    [Fact]
    public void ConvTransposeWithComputedWeightIsRefused()
    {
        var b = FoldCases.ConvTransposeBn();
        var node = b.Graph.Node.First(n => n.OpType == "ConvTranspose");
        b.Node("Relu", new[] { "deconv.weight" }, new[] { "w_relu" }, "wrelu");
        b.Graph.Node.Remove(b.Graph.Node.Last());
        b.Graph.Node.Insert(0, new NodeProto { OpType = "Relu", Name = "wrelu", Input = { "deconv.weight" }, Output = { "w_relu" } });
        node.Input[1] = "w_relu";
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.WeightNotConstant, Single(r, "bn").Code);
        Assert.Equal(1, Count(m, "BatchNormalization"));
    }

    public static TheoryData<bool, bool, float, float, long[]?, bool> GemmCases => new()
    {
        { false, false, 1f, 1f, new long[] { 5 }, true },
        { false, true, 1f, 1f, new long[] { 5 }, true },
        { true, true, 0.5f, 2f, new long[] { 1, 5 }, true },
        { true, false, 1.5f, 0.25f, new long[] { 3, 5 }, true },
        { false, true, 1f, 3f, new long[] { 3, 1 }, true },
        { false, false, 1f, 2f, new long[0], true },
        { false, false, 1f, 2f, new long[] { 1 }, true },
        { false, true, 2f, 0f, new long[] { 5 }, true },
        { false, true, 2f, 1f, null, false },
    };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void GemmFoldHandlesTransposeAlphaBetaAndCBroadcast(bool transA, bool transB, float alpha, float beta, long[]? cDims, bool withC)
    {
        var b = FoldCases.GemmBn(transA, transB, alpha, beta, cDims, withC);
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal("folded-into-gemm", Single(r, "bn").Code);
        var gemm = m.Graph.Nodes.Single(n => n.OpType == "Gemm");
        Assert.Equal(1f, gemm.GetFloat("beta", 1f));
        Assert.Equal(alpha, gemm.GetFloat("alpha", 1f));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void GemmWithRuntimeCIsRefused()
    {
        var b = FoldCases.GemmBn();
        b.Graph.Initializer.Remove(b.Graph.Initializer.First(t => t.Name == "fc.bias"));
        b.Input("fc.bias", ElementType.Float, 5);
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.BiasNotConstant, Single(r, "bn").Code);
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void MatMulWithConstantWeightBecomesGemm()
    {
        var b = FoldCases.MatMulBn();
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal("folded-into-matmul", Single(r, "bn").Code);
        Assert.Equal(0, Count(m, "MatMul"));
        Assert.Equal(1, Count(m, "Gemm"));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void MatMulOnBatchedInputIsRefused()
    {
        // [2, 5, 4] × [4, 5]: BN's channel axis is the 5 rows, not the 5 MatMul columns, though the counts agree.
        var b = FoldCases.MatMulBn(batched: true);
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.MatMulInputRankNot2, Single(r, "bn").Code);
        Assert.Equal(before, ModelSaver.ToBytes(m));
        AssertSameOutputs(before, m);
    }
}
