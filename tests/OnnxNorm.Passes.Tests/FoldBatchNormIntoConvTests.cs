using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class FoldBatchNormIntoConvTests
{
    [Theory]
    [InlineData(1, 1, false, 1, null, 1)]
    [InlineData(2, 1, false, 1, null, 1)]
    [InlineData(3, 1, true, 1, null, 1)]
    [InlineData(2, 2, true, 1, null, 1)]       // grouped
    [InlineData(2, 4, false, 1, null, 1)]      // depthwise (cin = group = 4)
    [InlineData(2, 1, true, 2, null, 1)]       // dilated
    [InlineData(2, 1, false, 1, "SAME_UPPER", 2)]
    [InlineData(2, 1, true, 1, "VALID", 1)]
    public void ConvFoldRemovesBnAndKeepsOutputs(int spatial, int group, bool bias, int dilation, string? autoPad, int stride)
    {
        int cout = group == 4 ? 4 : 6;
        var b = FoldCases.ConvBn(spatial: spatial, cin: 4, cout: cout, group: group, bias: bias, dilation: dilation, autoPad: autoPad, stride: stride);
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal("folded-into-conv", Single(r, "bn").Code);
        using var reloaded = Reload(m);
        AssertSameOutputs(b.ToBytes(), reloaded);
    }

    [Fact]
    public void ConvFoldMatchesHandDerivedWeights()
    {
        // W = {2, 3}, b = {1, -1}; γ = {1, 2}, β = {0.5, 0}, μ = {1, 0}, σ² = {3, 15}, ε = 1
        // s = γ/√(σ²+ε) = {1/2, 2/4} = {0.5, 0.5}; W' = {1, 1.5}; b' = (b−μ)s + β = {0.5, -0.5}.
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 1, 2, 2);
        b.Initializer("w", new float[] { 2, 3 }, 2, 1, 1, 1);
        b.Initializer("b", new float[] { 1, -1 }, 2);
        b.Node("Conv", new[] { "x", "w", "b" }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        FoldCases.BatchNorm(b, "c", "bn", new FoldCases.BnParams(new double[] { 1, 2 }, new double[] { 0.5, 0 }, new double[] { 1, 0 }, new double[] { 3, 15 }, 1f));
        b.OutputUnknownShape("bn.out", ElementType.Float);
        using var m = Load(b);
        Run(m, "fold-bn");
        var conv = Assert.Single(m.Graph.Nodes);
        Assert.Equal(new[] { 1.0, 1.5 }, conv.Input(1)!.Initializer!.ToDoubles());
        Assert.Equal(new[] { 0.5, -0.5 }, conv.Input(2)!.Initializer!.ToDoubles());
        Assert.Equal("bn.out", conv.Output(0)!.Name); // the graph output keeps its name
    }

    [Fact]
    public void ConvWithConstantNodeWeightsFolds()
    {
        var b = FoldCases.ConvBn(bias: true, constantNodes: true);
        using var m = Load(b);
        Run(m, "fold-bn", "clean-up");
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal(0, Count(m, "Constant"));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Theory]
    [InlineData(ElementType.Double, 1e-12)]
    [InlineData(ElementType.Float16, 4e-3)]
    [InlineData(ElementType.BFloat16, 3e-2)]
    public void ConvFoldKeepsWeightDtype(ElementType type, double tolerance)
    {
        var b = FoldCases.ConvBn(type: type, bias: true);
        using var m = Load(b);
        Run(m, "fold-bn");
        var conv = m.Graph.Nodes.Single(n => n.OpType == "Conv");
        Assert.Equal(type, conv.Input(1)!.ElementType);
        Assert.Equal(type, conv.Input(2)!.ElementType);
        AssertSameOutputs(b.ToBytes(), Reload(m), tolerance);
    }

    [Fact]
    public void Float16FoldRoundsOnceFromDouble()
    {
        // Expected (exact arithmetic): each fp16 weight times s computed here in double, rounded once with .NET's Half.
        var b = FoldCases.ConvBn(type: ElementType.Float16, cin: 1, cout: 2, kernel: 1);
        using var original = Load(b);
        var w = original.Graph.Find("conv.weight")!.Initializer!.ToDoubles();
        double[] Param(string n) => original.Graph.Find(n)!.Initializer!.ToDoubles();
        double[] g = Param("bn.scale"), v = Param("bn.var");
        double eps = 1e-5f;
        var expected = w.Select((x, i) => (double)(Half)(x * (g[i] / Math.Sqrt(v[i] + eps)))).ToArray();
        using var m = Load(b);
        PassPipeline.FromNames(new[] { "fold-bn" }, new PipelineOptions { Verify = true }, settings: new PassSettings { BatchNormArithmetic = BatchNormArithmetic.Exact }).Run(m);
        Assert.Equal(expected, m.Graph.Nodes.Single(n => n.OpType == "Conv").Input(1)!.Initializer!.ToDoubles());
    }

    [Fact]
    public void Float16OverflowIsRefused()
    {
        var b = FoldCases.ConvBn(type: ElementType.Float16, cin: 1, cout: 2, kernel: 1);
        var scale = b.Graph.Initializer.First(t => t.Name == "bn.scale");
        b.Graph.Initializer[b.Graph.Initializer.IndexOf(scale)] = ModelBuilder.MakeTensor("bn.scale", ElementType.Float16, new long[] { 2 }, new double[] { 60000, 60000 });
        var bn = b.Graph.Node.Single(n => n.OpType == "BatchNormalization");
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.FoldedWeightOverflow, Single(r, "bn").Code);
        Assert.False(r.Modified);
        Assert.Equal(before, ModelSaver.ToBytes(m));
        Assert.NotNull(bn);
    }

    [Fact]
    public void MixedTypeBn15ParametersFold()
    {
        // BN-15: scale/B float, mean/var double.
        var b = FoldCases.ConvBn(bias: true);
        foreach (var name in new[] { "bn.mean", "bn.var" })
        {
            var t = b.Graph.Initializer.First(x => x.Name == name);
            var values = ModelLoaderValues(t);
            b.Graph.Initializer[b.Graph.Initializer.IndexOf(t)] = ModelBuilder.MakeTensor(name, ElementType.Double, t.Dims.ToArray(), values);
        }
        using var m = Load(b);
        Run(m, "fold-bn");
        Assert.Equal(0, Count(m, "BatchNormalization"));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    private static double[] ModelLoaderValues(Ir.Proto.TensorProto t) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray().Select(f => (double)f).ToArray();

    [Fact]
    public void ConvWithNonConstantWeightIsRefused()
    {
        var b = FoldCases.ConvBn();
        b.Graph.Input.Add(new Ir.Proto.ValueInfoProto { Name = "conv.weight", Type = ModelBuilder.TensorType(ElementType.Float, 6, 4, 3, 3) });
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, "fold-bn");
        Assert.Equal(FoldRefusalCodes.WeightNotConstant, Single(r, "bn").Code);
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }
}
