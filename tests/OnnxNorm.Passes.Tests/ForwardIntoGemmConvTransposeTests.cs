using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// The forward fold into Gemm and ConvTranspose, and ConvNeXt's channels-first LayerNorm through its Transposes
/// (and a Flatten) into the Conv or Gemm after it. Each folded model is run by ONNX Runtime against the original.
/// </summary>
public class ForwardIntoGemmConvTransposeTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void BnBeforeAGemmFoldsForwardIntoItsBAndC(bool transB, bool withC)
    {
        var original = ForwardFoldCases.BnThenGemm(transB, withC).ToBytes();
        using var m = ModelLoader.Load(original);
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Contains(r.Diagnostics, d => d.NodeName == "bn" && d.Code == FoldCodes.FoldedForwardIntoConv && d.Message.Contains("Gemm node 'gemm'"));
        AssertMatchesOrt(original, m);
    }

    [Fact]
    public void BnBeforeAGemmGetsTheHandComputedBAndC()
    {
        // s = [0.5, 2], t = [0.1, −1.8]; B = [[1, 2], [3, 4]] (rows k): B' = [[0.5, 1], [6, 8]];
        // α·tᵀB = 0.5·[0.1 − 5.4, 0.2 − 7.2] = [−2.65, −3.5]; C' = C + that / β = [0.5 − 1.325, −1 − 1.75].
        using var m = Load(ForwardFoldCases.BnThenGemm(transB: false, withC: true));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        var gemm = Assert.Single(m.Graph.Nodes, n => n.OpType == "Gemm");
        AssertClose(new[] { 0.5, 1, 6, 8 }, gemm.Input(1)!.Initializer!.ToDoubles());
        AssertClose(new[] { -0.825, -2.75 }, gemm.Input(2)!.Initializer!.ToDoubles());
    }

    [Fact]
    public void PerChannelMulAndSubBeforeAGemmFoldForwardIntoIt()
    {
        var original = ForwardFoldCases.MulSubThenGemm().ToBytes();
        using var m = ModelLoader.Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "Mul"));
        Assert.Equal(0, Count(m, "Sub"));
        AssertMatchesOrt(original, m);
    }

    /// <summary>A 1×1 unstrided ConvTranspose takes the shift; a strided 3×3 one only a shift-free BN.</summary>
    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(3, 2, true)]
    public void BnFoldsForwardIntoAConvTransposeWhereThatIsExact(int kernel, int stride, bool shiftFree)
    {
        var original = ForwardFoldCases.BnThenConvTranspose(kernel, stride, shiftFree).ToBytes();
        using var m = ModelLoader.Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        AssertMatchesOrt(original, m);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(2, 2)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    public void BnWithAShiftBeforeAConvTransposeWithUnevenTapsIsRefusedWithAReason(int kernel, int stride)
    {
        using var m = Load(ForwardFoldCases.BnThenConvTranspose(kernel, stride, shiftFree: false));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(1, Count(m, "BatchNormalization"));
        // One engine, one word on the BN: the backward reason (the Relu) with its code, then the forward one.
        var d = Assert.Single(r.Diagnostics, d => d.NodeName == "bn");
        Assert.Equal(FoldRefusalCodes.UnsupportedProducer, d.Code);
        Assert.Equal(FoldAffinePass.PassName, d.Pass);
        Assert.Contains("; forward: ", d.Message);
        Assert.Contains("ConvTranspose node 'convT'", d.Message);
        Assert.Contains("different numbers of taps", d.Message);
        // fold-bn-forward alone gives the forward rule's own code.
        using var alone = Load(ForwardFoldCases.BnThenConvTranspose(kernel, stride, shiftFree: false));
        Assert.Equal(FoldRefusalCodes.ShiftNotUniform, Single(Run(alone, FoldBatchNormForwardPass.PassName), "bn").Code);
    }

    [Fact]
    public void ChannelsFirstLayerNormFoldsThroughItsTransposeIntoTheUnpaddedConvAfterIt()
    {
        var original = ForwardFoldCases.ChannelsFirstLayerNormThenConv().ToBytes();
        using var m = ModelLoader.Load(original);
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        var d = Single(r, "ln");
        Assert.Equal(FoldCodes.AffineFoldedForwardIntoConv, d.Code);
        Assert.Contains("Conv node 'conv'", d.Message);
        AssertLayerNormAffine(m, new[] { 1.0, 1.0 }, new[] { 0.0, 0.0 });
        AssertMatchesOrt(original, m);
    }

    [Fact]
    public void ChannelsFirstLayerNormFoldsThroughTransposeAndFlattenIntoTheGemmHead()
    {
        var original = ForwardFoldCases.ChannelsFirstLayerNormThenFlattenGemm().ToBytes();
        using var m = ModelLoader.Load(original);
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Contains("Gemm node 'gemm'", Single(r, "ln").Message);
        AssertLayerNormAffine(m, new[] { 1.0, 1.0 }, new[] { 0.0, 0.0 });
        AssertMatchesOrt(original, m);
    }

    [Fact]
    public void ChannelsFirstLayerNormBeforeAPaddedConvIsRefusedWithAReason()
    {
        using var m = Load(ForwardFoldCases.ChannelsFirstLayerNormThenConv(padded: true));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        var d = Single(r, "ln");
        Assert.Equal(FoldRefusalCodes.PaddingNotExact, d.Code);
        Assert.Contains("Conv node 'conv' zero-pads", d.Message);
        AssertLayerNormAffine(m, new[] { 2.0, 3.0 }, new[] { 1.0, -1.0 });
    }

    /// <summary>Checks the γ and β of the model's one LayerNormalization.</summary>
    private static void AssertLayerNormAffine(Model m, double[] scale, double[] bias)
    {
        var ln = Assert.Single(m.Graph.Nodes, n => n.OpType == "LayerNormalization");
        Assert.Equal(scale, ln.Input(1)!.Initializer!.ToDoubles());
        Assert.Equal(bias, ln.Input(2)!.Initializer!.ToDoubles());
    }

    private static void AssertMatchesOrt(byte[] original, Model folded)
    {
        double diff = OrtFoldEquivalenceTests.RelativeDifference(original, ModelSaver.ToBytes(folded));
        Assert.True(diff < 1e-6, $"relative difference {diff}");
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"[{i}]: {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void FoldAffineAloneFoldsABnLikeAnyOtherPerChannelMap()
    {
        var original = ForwardFoldCases.BnThenGemm(transB: true, withC: true).ToBytes();
        using var m = ModelLoader.Load(original);
        var r = Run(m, FoldAffinePass.PassName);
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal(FoldCodes.FoldedForwardIntoConv, Single(r, "bn").Code);
        AssertMatchesOrt(original, m);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InspectsAnalysisGivesTheChannelsFirstLayerNormsDecision(bool padded)
    {
        using var m = Load(ForwardFoldCases.ChannelsFirstLayerNormThenConv(padded));
        var report = Assert.Single(AffineAnalysis.Of(m), a => a.Node == "ln");
        Assert.Equal("LayerNormalization", report.Op);
        Assert.Equal(!padded, report.Foldable);
        if (padded)
        {
            Assert.Equal(FoldRefusalCodes.PaddingNotExact, report.RefusalCode);
            Assert.Contains("Conv node 'conv' zero-pads", report.RefusalReason);
        }
        else
        {
            Assert.Contains("Conv node 'conv'", report.FoldInto);
        }
    }
}
