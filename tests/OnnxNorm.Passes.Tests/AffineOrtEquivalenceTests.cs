using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>The canonicalized and affine-folded models against their originals in ONNX Runtime (its optimisations off).</summary>
public class AffineOrtEquivalenceTests
{
    public static TheoryData<string> Cases => new()
    {
        nameof(AffineCases.ConvTransposeBiasAddBn), nameof(AffineCases.MatMulReshapeBn), nameof(AffineCases.MatMulTransposeBn),
        nameof(AffineCases.LayerScaleAfterMatMul), nameof(AffineCases.DeduplicatedBiasConvBn), nameof(AffineCases.Unsorted),
        "ConvAddBnMul", "ConvMulAdd", nameof(AffineCases.MulAddThenConv), nameof(AffineCases.InstanceNormThenConv),
        nameof(AffineCases.LayerNormThenLinear), nameof(AffineCases.MatMulReshapeTransposeBn),
    };

    private static ModelBuilder Build(string name) => name switch
    {
        nameof(AffineCases.ConvTransposeBiasAddBn) => AffineCases.ConvTransposeBiasAddBn(),
        nameof(AffineCases.MatMulReshapeBn) => AffineCases.MatMulReshapeBn(),
        nameof(AffineCases.MatMulTransposeBn) => AffineCases.MatMulTransposeBn(),
        nameof(AffineCases.LayerScaleAfterMatMul) => AffineCases.LayerScaleAfterMatMul(),
        nameof(AffineCases.DeduplicatedBiasConvBn) => AffineCases.DeduplicatedBiasConvBn(),
        nameof(AffineCases.Unsorted) => AffineCases.Unsorted(),
        nameof(AffineCases.MulAddThenConv) => AffineCases.MulAddThenConv(),
        nameof(AffineCases.InstanceNormThenConv) => AffineCases.InstanceNormThenConv(),
        nameof(AffineCases.LayerNormThenLinear) => AffineCases.LayerNormThenLinear(),
        nameof(AffineCases.MatMulReshapeTransposeBn) => AffineCases.MatMulReshapeTransposeBn(),
        "ConvAddBnMul" => AffineCases.ConvThen(null, ("Add", new float[] { 0.5f, -1 }), ("BN", Array.Empty<float>()), ("Mul", new float[] { 2, 0.5f })),
        _ => AffineCases.ConvThen(new float[] { 1, 1 }, ("Mul", new float[] { 0.5f, 2 }), ("Add", new float[] { 1, -1 })),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldedModelMatchesTheOriginalInOrt(string name)
    {
        var original = Build(name).ToBytes();
        using var m = ModelLoader.Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.True(m.Graph.Nodes.Count <= Build(name).Graph.Node.Count);
        double diff = OrtFoldEquivalenceTests.RelativeDifference(original, ModelSaver.ToBytes(m));
        Assert.True(diff < 1e-6, $"relative difference {diff}");
    }

    /// <summary>
    /// ORT's MatMul → Reshape/Transpose → BN paths with a BN-15 listing its running-statistics outputs as "".
    /// ORT refuses to load that BN (ONNX's BN-15 shape inference counts the empty names), so the folded model is
    /// checked against ORT running the same model with the empty names dropped.
    /// </summary>
    [Theory]
    [InlineData(nameof(AffineCases.MatMulReshapeBn))]
    [InlineData(nameof(AffineCases.MatMulTransposeBn))]
    [InlineData(nameof(AffineCases.MatMulReshapeTransposeBn))]
    public void BnWithEmptyOptionalOutputsFoldsToWhatOrtComputesForTheSameBnWithout(string name)
    {
        ModelBuilder Case(bool empty) => name switch
        {
            nameof(AffineCases.MatMulReshapeBn) => AffineCases.MatMulReshapeBn(empty),
            nameof(AffineCases.MatMulTransposeBn) => AffineCases.MatMulTransposeBn(empty),
            _ => AffineCases.MatMulReshapeTransposeBn(empty),
        };
        Assert.Equal(new[] { "y", "", "" }, Case(true).Graph.Node.Single(n => n.OpType == "BatchNormalization").Output);
        using var m = ModelLoader.Load(Case(true).ToBytes());
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        double diff = OrtFoldEquivalenceTests.RelativeDifference(Case(false).ToBytes(), ModelSaver.ToBytes(m));
        Assert.True(diff < 1e-6, $"relative difference {diff}");
    }
}
