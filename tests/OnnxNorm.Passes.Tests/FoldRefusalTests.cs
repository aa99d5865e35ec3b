using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>Every refusal leaves the model byte-identical (so it stays correct) and says why, on the BN's name.</summary>
public class FoldRefusalTests
{
    private static Diagnostic Refused(ModelBuilder b, string pass = "fold-bn")
    {
        var before = b.ToBytes();
        using var m = Load(b);
        var r = Run(m, pass);
        Assert.False(r.Modified);
        Assert.Equal(before, ModelSaver.ToBytes(m));
        return Single(r, "bn");
    }

    private static void ReplaceInitializer(ModelBuilder b, string name, long[] dims, double[] values)
    {
        var t = b.Graph.Initializer.First(x => x.Name == name);
        b.Graph.Initializer[b.Graph.Initializer.IndexOf(t)] = ModelBuilder.MakeTensor(name, ElementType.Float, dims, values);
    }

    [Fact]
    public void ProducerWithOtherConsumersIsRefused()
    {
        var d = Refused(FoldCases.ConvWithSecondConsumer());
        Assert.Equal(FoldRefusalCodes.ProducerHasOtherConsumers, d.Code);
        Assert.Contains("side", d.Message);
    }

    [Fact]
    public void ProducerOutputThatIsAGraphOutputIsRefused()
    {
        var b = FoldCases.ConvBn();
        b.OutputUnknownShape("conv.out", ElementType.Float);
        Assert.Equal(FoldRefusalCodes.ProducerOutputIsGraphOutput, Refused(b).Code);
    }

    [Fact]
    public void OverridableBnParameterIsRefused()
    {
        var b = FoldCases.ConvBn();
        b.Graph.Input.Add(new ValueInfoProto { Name = "bn.mean", Type = ModelBuilder.TensorType(ElementType.Float, 6) });
        var d = Refused(b);
        Assert.Equal(FoldRefusalCodes.ParameterNotConstant, d.Code);
        Assert.Contains("overridable", d.Message);
    }

    [Fact]
    public void BnParameterOfWrongLengthIsRefused()
    {
        var b = FoldCases.ConvBn();
        ReplaceInitializer(b, "bn.var", new long[] { 7 }, Enumerable.Repeat(1.0, 7).ToArray());
        Assert.Equal(FoldRefusalCodes.ShapeMismatch, Refused(b).Code);
    }

    [Fact]
    public void BnChannelsNotMatchingConvOutputChannelsIsRefused()
    {
        var b = FoldCases.ConvBn(cout: 6);
        foreach (var n in new[] { "bn.scale", "bn.bias", "bn.mean", "bn.var" })
            ReplaceInitializer(b, n, new long[] { 3 }, new double[] { 1, 1, 1 });
        Assert.Equal(FoldRefusalCodes.ShapeMismatch, Refused(b).Code);
    }

    [Fact]
    public void NegativeVarianceIsRefused()
    {
        var b = FoldCases.ConvBn(cout: 2, cin: 2);
        ReplaceInitializer(b, "bn.var", new long[] { 2 }, new double[] { 1, -1 });
        var d = Refused(b);
        Assert.Equal(FoldRefusalCodes.VarianceNotPositive, d.Code);
        Assert.Contains("var[1]", d.Message);
    }

    [Fact]
    public void NaNStatisticsAreRefused()
    {
        var b = FoldCases.ConvBn(cout: 2, cin: 2);
        ReplaceInitializer(b, "bn.mean", new long[] { 2 }, new[] { 0, double.NaN });
        Assert.Equal(FoldRefusalCodes.NonFiniteStatistics, Refused(b).Code);
    }

    [Fact]
    public void BnOnAGraphInputHasNoProducer()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        FoldCases.BatchNorm(b, "x", "bn", new FoldCases.BnParams(new double[] { 1, 2 }, new double[2], new double[2], new double[] { 1, 1 }));
        b.OutputUnknownShape("bn.out", ElementType.Float);
        Assert.Equal(FoldRefusalCodes.NoProducer, Refused(b).Code);
    }

    [Fact]
    public void BnAfterReluIsAnUnsupportedProducer()
    {
        var b = FoldCases.ReluBnConv(pads: new long[] { 1, 1, 1, 1 }, kernel: 3);
        var d = Refused(b);
        Assert.Equal(FoldRefusalCodes.UnsupportedProducer, d.Code);
        Assert.Contains("Relu", d.Message);
    }
}
