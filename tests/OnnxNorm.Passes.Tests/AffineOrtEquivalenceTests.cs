using OnnxNorm.Graph;
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
        nameof(AffineCases.LayerNormThenLinear),
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
}
