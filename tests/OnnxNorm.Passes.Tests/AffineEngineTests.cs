using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// The affine engine's backward rule, one path per test, with expected constants worked out by hand from
/// <see cref="AffineCases"/> (BN: s = [0.5, 2], t = [0.1, −1.8]), and each refusal with its code.
/// </summary>
public class AffineEngineTests
{
    private static void AssertValues(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    private static string[] Ops(Model m) => m.Graph.Nodes.Select(n => n.OpType).ToArray();

    private static double[] InputValues(Node n, int index) => n.Input(index)!.Initializer!.ToDoubles();

    [Fact]
    public void ConvTransposeThenBiasAddThenBnFoldsIntoTheConvTranspose()
    {
        // fold-bn alone, so the BN's own walk crosses the Add (fold-affine would fold the Add first).
        using var m = Load(AffineCases.ConvTransposeBiasAddBn());
        var r = Run(m, CanonicalizePass.PassName, FoldBatchNormPass.PassName);
        Assert.Equal(new[] { "ConvTranspose" }, Ops(m));
        var ct = m.Graph.Nodes[0];
        AssertValues(new[] { 1.0, 6.0 }, InputValues(ct, 1));          // W·s
        AssertValues(new[] { 0.35, -3.8 }, InputValues(ct, 2));        // c·s + t
        var d = Single(r, "bn");
        Assert.Equal("folded-into-conv-transpose", d.Code);
        Assert.Contains("through Add", d.Message);
        AssertSameOutputs(AffineCases.ConvTransposeBiasAddBn().ToBytes(), m);
        // The default pipeline gets the same ConvTranspose, folding the Add and then the BN.
        using var d2 = Load(AffineCases.ConvTransposeBiasAddBn());
        Run(d2, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "ConvTranspose" }, Ops(d2));
        AssertValues(new[] { 1.0, 6.0 }, InputValues(d2.Graph.Nodes[0], 1));
        AssertValues(new[] { 0.35, -3.8 }, InputValues(d2.Graph.Nodes[0], 2));
    }

    [Fact]
    public void MatMulThenReshapeThenBnBecomesAGemm()
    {
        using var m = Load(AffineCases.MatMulReshapeBn());
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Gemm", "Reshape" }, Ops(m));
        var gemm = m.Graph.Nodes[0];
        AssertValues(new[] { 0.5, 0, 0, 2, 0.5, 2 }, InputValues(gemm, 1));
        AssertValues(new[] { 0.1, -1.8 }, InputValues(gemm, 2));
    }

    [Fact]
    public void BatchedMatMulThenTransposeThenBnKeepsTheMatMulAndAddsItsShift()
    {
        using var m = Load(AffineCases.MatMulTransposeBn());
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "MatMul", "Add", "Transpose" }, Ops(m));
        AssertValues(new[] { 0.5, 0, 0, 2, 0.5, 2 }, InputValues(m.Graph.Nodes[0], 1));
        AssertValues(new[] { 0.1, -1.8 }, InputValues(m.Graph.Nodes[1], 1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatMulThenReshapeThenTransposeThenBnBecomesAGemmWithOrWithoutEmptyOptionalBnOutputs(bool emptyOutputs)
    {
        using var m = Load(AffineCases.MatMulReshapeTransposeBn(emptyOutputs));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Gemm", "Reshape", "Transpose" }, Ops(m));
        var gemm = m.Graph.Nodes[0];
        AssertValues(new[] { 0.5, 0, 0, 2, 0.5, 2 }, InputValues(gemm, 1));
        AssertValues(new[] { 0.1, -1.8 }, InputValues(gemm, 2));
        Assert.Contains(r.Diagnostics, d => d.NodeName == "bn" && FoldCodes.IsFold(d.Code));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MatMulReshapeOrTransposeThenBnWithEmptyOptionalOutputsFoldsLikeWithout(bool reshape)
    {
        using var m = Load(reshape ? AffineCases.MatMulReshapeBn(emptyOptionalOutputs: true) : AffineCases.MatMulTransposeBn(emptyOptionalOutputs: true));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(reshape ? new[] { "Gemm", "Reshape" } : new[] { "MatMul", "Add", "Transpose" }, Ops(m));
        AssertValues(new[] { 0.5, 0, 0, 2, 0.5, 2 }, InputValues(m.Graph.Nodes[0], 1));
    }

    [Fact]
    public void ConvThenMulThenAddCollapseIntoTheConv()
    {
        using var m = Load(AffineCases.ConvThen(new float[] { 1, 1 }, ("Mul", new float[] { 0.5f, 2 }), ("Add", new float[] { 1, -1 })));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Conv" }, Ops(m));
        AssertValues(new[] { 1.0, 6.0 }, InputValues(m.Graph.Nodes[0], 1));
        AssertValues(new[] { 1.5, 1.0 }, InputValues(m.Graph.Nodes[0], 2));  // b·m + a
        Assert.Equal(2, r.Diagnostics.Count(d => d.Code == "affine-folded-into-conv"));
    }

    [Fact]
    public void ConvAddBnMulChainCollapsesIntoOneConv()
    {
        var original = AffineCases.ConvThen(null, ("Add", new float[] { 0.5f, -1 }), ("BN", Array.Empty<float>()), ("Mul", new float[] { 2, 0.5f }));
        using var m = Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Conv" }, Ops(m));
        AssertValues(new[] { 2.0, 3.0 }, InputValues(m.Graph.Nodes[0], 1));   // W·s·m
        AssertValues(new[] { 0.7, -1.9 }, InputValues(m.Graph.Nodes[0], 2));  // (c·s + t)·m
        AssertSameOutputs(original.ToBytes(), m);
    }

    [Fact]
    public void AScalarMulScalesEveryOutputChannel()
    {
        using var m = Load(AffineCases.ConvThen(null, ("Mul", new float[] { 3 })));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Conv" }, Ops(m));
        AssertValues(new[] { 6.0, 9.0 }, InputValues(m.Graph.Nodes[0], 1));
    }

    [Fact]
    public void SubAndDivByConstantsFoldAsShiftAndScale()
    {
        using var m = Load(AffineCases.ConvThen(new float[] { 1, 1 }, ("Sub", new float[] { 1, 2 }), ("Div", new float[] { 2, 4 })));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "Conv" }, Ops(m));
        AssertValues(new[] { 1.0, 0.75 }, InputValues(m.Graph.Nodes[0], 1));    // W/d
        AssertValues(new[] { 0.0, -0.25 }, InputValues(m.Graph.Nodes[0], 2));   // (b − c)/d
    }

    [Fact]
    public void LayerScaleAfterMatMulAddTransposeFoldsIntoTheMatMulAndItsBias()
    {
        using var m = Load(AffineCases.LayerScaleAfterMatMul());
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "MatMul", "Add", "Transpose" }, Ops(m));
        AssertValues(new[] { 0.5, 4, 1.5, 8 }, InputValues(m.Graph.Nodes[0], 1));  // W (after its folded Transpose) times γ per column
        AssertValues(new[] { 0.5, -2 }, InputValues(m.Graph.Nodes[1], 1));        // bias·γ
        Assert.Contains("through Transpose, Add", Single(r, "layer_scale").Message);
    }

    [Fact]
    public void AMulAlongASpatialAxisIsRefusedNamingTheConv()
    {
        using var m = Load(AffineCases.ConvMulBy(new long[] { 1, 1, 3, 1 }, new float[] { 1, 2, 3 }));
        var r = Run(m, FoldAffinePass.PassName);
        var d = Single(r, "mul");
        Assert.Equal(FoldRefusalCodes.ChannelAxisNotOutputChannels, d.Code);
        Assert.Contains("Conv node 'conv'", d.Message);
        Assert.Equal(1, Count(m, "Mul"));
    }

    [Fact]
    public void AConstantVaryingAlongTwoAxesIsNotPerChannel()
    {
        using var m = Load(AffineCases.ConvMulBy(new long[] { 2, 3, 1 }, new float[] { 1, 2, 3, 4, 5, 6 }));
        var d = Single(Run(m, FoldAffinePass.PassName), "mul");
        Assert.Equal(FoldRefusalCodes.NotPerChannel, d.Code);
        Assert.Contains("'k'", d.Message);
    }

    [Fact]
    public void AConvOutputReadTwiceIsNotFoldedInto()
    {
        using var m = Load(AffineCases.ConvMulBy(new long[] { 2, 1, 1 }, new float[] { 2, 3 }, shared: true));
        var d = Single(Run(m, FoldAffinePass.PassName), "mul");
        Assert.Equal(FoldRefusalCodes.ProducerHasOtherConsumers, d.Code);
        Assert.Contains("Relu node 'relu'", d.Message);
    }

    [Fact]
    public void AMatMulsOwnBiasAddIsLeftAloneWithoutAComplaint()
    {
        using var m = Load(AffineCases.MatMulTransposeBn());
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        var r = Run(m, FoldAffinePass.PassName);
        Assert.False(r.Modified);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void AWeightSharedWithAnotherConvIsNotChanged()
    {
        var b = AffineCases.ConvMulBy(new long[] { 2, 1, 1 }, new float[] { 2, 3 });
        b.Node("Conv", new[] { "x", "w" }, new[] { "other" }, "other_conv", ("kernel_shape", new long[] { 1, 1 }));
        b.OutputUnknownShape("other", ElementType.Float);
        using var m = Load(b);
        Run(m, FoldAffinePass.PassName);
        var other = m.Graph.Nodes.Single(n => n.Name == "other_conv");
        AssertValues(new[] { 2.0, 3.0 }, InputValues(other, 1));
        AssertValues(new[] { 4.0, 9.0 }, InputValues(m.Graph.Nodes.Single(n => n.Name == "conv"), 1));
    }

    [Fact]
    public void Float16WeightsAreScaledInDoubleAndRoundedOnce()
    {
        // W = fp16(0.1) = 0.0999755859375; times 3 in double is 0.2999267578125, which rounds to the fp16
        // 0.2998046875 (614/2048). Rounding 3 to fp16 first changes nothing here; a second rounding would.
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float16, 1, 1, 2, 2);
        b.Initializer("w", ElementType.Float16, new long[] { 1, 1, 1, 1 }, new[] { 0.1 });
        b.Node("Conv", new[] { "x", "w" }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        b.Initializer("k", ElementType.Float16, new long[] { 1, 1, 1 }, new[] { 3.0 });
        b.Node("Mul", new[] { "c", "k" }, new[] { "y" }, "mul");
        b.Output("y", ElementType.Float16, 1, 1, 2, 2);
        using var m = Load(b);
        Run(m, FoldAffinePass.PassName);
        var w = m.Graph.Nodes.Single().Input(1)!.Initializer!;
        Assert.Equal(ElementType.Float16, w.ElementType);
        Assert.Equal(0.2998046875, w.ToDoubles()[0]);
    }
}

/// <summary>The forward rule: per-channel Mul/Add and InstanceNormalization's γ/β into the Convs after them.</summary>
public class AffineForwardTests
{
    private static double[] InputValues(Node n, int index) => n.Input(index)!.Initializer!.ToDoubles();

    [Fact]
    public void GroupNormsMulAndAddMoveIntoAnUnpaddedConv()
    {
        using var m = Load(AffineCases.MulAddThenConv());
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        var conv = Assert.Single(m.Graph.Nodes);
        Assert.Equal(new[] { 0.5, 6 }, InputValues(conv, 1));   // W·γ per input channel
        Assert.Equal(new[] { -1.5 }, InputValues(conv, 2));     // b + Σ W·β = 0.5 + 1 − 3
        Assert.Equal(2, r.Diagnostics.Count(d => d.Code == FoldCodes.AffineFoldedForwardIntoConv));
        AssertSameOutputs(AffineCases.MulAddThenConv().ToBytes(), m);
    }

    [Fact]
    public void AShiftBeforeAPaddedConvStaysAndSaysWhy()
    {
        using var m = Load(AffineCases.MulAddThenConv(padded: true));
        var r = Run(m, FoldAffinePass.PassName);
        Assert.Equal(new[] { "Mul", "Add", "Conv" }, m.Graph.Nodes.Select(n => n.OpType));
        var d = Single(r, "gn_add");
        Assert.Equal(FoldRefusalCodes.PaddingNotExact, d.Code);
        Assert.Contains("Conv node 'conv'", d.Message);
    }

    [Fact]
    public void InstanceNormScaleAndBiasMoveIntoTheConvAndBecomeOneAndZero()
    {
        using var m = Load(AffineCases.InstanceNormThenConv());
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        var norm = m.Graph.Nodes.Single(n => n.OpType == "InstanceNormalization");
        var conv = m.Graph.Nodes.Single(n => n.OpType == "Conv");
        Assert.Equal(new[] { 1.0, 1 }, InputValues(norm, 1));
        Assert.Equal(new[] { 0.0, 0 }, InputValues(norm, 2));
        Assert.Equal(new[] { 2.0, 6 }, InputValues(conv, 1));
        Assert.Equal(new[] { -1.0 }, InputValues(conv, 2));   // 1·1 + 2·(−1)
        // A second run finds nothing left to move.
        Assert.False(Run(m, FoldAffinePass.PassName).Modified);
    }

    [Fact]
    public void LayerNormScaleAndBiasMoveIntoTheMatMulAndItsBiasAdd()
    {
        using var m = Load(AffineCases.LayerNormThenLinear());
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(new[] { "LayerNormalization", "MatMul", "Add" }, m.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(new[] { 1.0, 1 }, InputValues(m.Graph.Nodes[0], 1));
        Assert.Equal(new[] { 0.0, 0 }, InputValues(m.Graph.Nodes[0], 2));
        Assert.Equal(new[] { 2.0, 4, 9, 12 }, InputValues(m.Graph.Nodes[1], 1));   // γ[k]·W[k, n]
        Assert.Equal(new[] { -1.5, -1.5 }, InputValues(m.Graph.Nodes[2], 1));      // bias + βW = 0.5 + (1·1 − 1·3), 0.5 + (1·2 − 1·4)
        Assert.Equal(FoldCodes.AffineFoldedForwardIntoMatMul, Single(r, "ln").Code);
        Assert.False(Run(m, FoldAffinePass.PassName).Modified);
    }
}
