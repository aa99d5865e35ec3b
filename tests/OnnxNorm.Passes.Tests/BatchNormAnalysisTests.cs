using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class BatchNormAnalysisTests
{
    private static BatchNormReport ReportFor(ModelBuilder b)
    {
        using var m = Load(b);
        return Assert.Single(BatchNormAnalysis.Of(m), r => r.Node == "bn");
    }

    private static void Replace(ModelBuilder b, string name, double[] values)
    {
        var t = b.Graph.Initializer.First(x => x.Name == name);
        b.Graph.Initializer[b.Graph.Initializer.IndexOf(t)] = ModelBuilder.MakeTensor(name, ElementType.Float, t.Dims.ToArray(), values);
    }

    [Fact]
    public void FoldableBnIsReportedWithItsProducer()
    {
        var r = ReportFor(FoldCases.ConvBn());
        Assert.True(r.Foldable);
        Assert.Equal("Conv", r.FoldInto);
        Assert.Equal("Conv", r.Producer);
        Assert.Equal("inference", r.Mode);
        Assert.Null(r.RefusalCode);
        Assert.Empty(r.Lints);
    }

    [Fact]
    public void TrainingBnIsReportedWithThePassesReason()
    {
        var b = FoldCases.ConvBnAtOpset(14, bnOutputs: 3, bnAttributes: ("training_mode", 1));
        var r = ReportFor(b);
        Assert.False(r.Foldable);
        Assert.Equal("training", r.Mode);
        using var m = Load(b);
        // The same code and message as the pass would give.
        var d = Single(Run(m, "fold-bn"), "bn");
        Assert.Equal(d.Code, r.RefusalCode);
        Assert.Equal(d.Message, r.RefusalReason);
    }

    [Fact]
    public void ForwardFoldableBnIsReported()
    {
        var r = ReportFor(FoldCases.ReluBnConv());
        Assert.False(r.Foldable);
        Assert.Equal(FoldRefusalCodes.UnsupportedProducer, r.RefusalCode);
        Assert.Equal("conv2", r.ForwardFoldInto);
    }

    [Fact]
    public void UnhealthyStatisticsAreLinted()
    {
        var b = FoldCases.ConvBn(cin: 3, cout: 3, bias: true);
        Replace(b, "bn.var", new double[] { 1, 0, -2 });
        Replace(b, "bn.scale", new double[] { 0, 1, 1e-9 });
        var codes = ReportFor(b).Lints.ToDictionary(l => l.Code);
        Assert.Equal(new[] { 1, 2 }, codes[BatchNormLintCodes.VarianceNotPositive].Channels);
        Assert.Equal(new[] { 0, 2 }, codes[BatchNormLintCodes.DeadChannels].Channels);
        Assert.True(codes.ContainsKey(BatchNormLintCodes.RedundantConvBias));
        Assert.False(codes.ContainsKey(BatchNormLintCodes.DefaultStatistics));
    }

    [Fact]
    public void DefaultStatisticsAndTinyEpsilonAreLinted()
    {
        var b = FoldCases.ConvBn(cin: 2, cout: 2);
        Replace(b, "bn.mean", new double[] { 0, 0 });
        Replace(b, "bn.var", new double[] { 1, 1 });
        b.Graph.Node.Single(n => n.OpType == "BatchNormalization").Attribute.Single(a => a.Name == "epsilon").F = 1e-12f;
        var codes = ReportFor(b).Lints.Select(l => l.Code).ToList();
        Assert.Contains(BatchNormLintCodes.DefaultStatistics, codes);
        Assert.Contains(BatchNormLintCodes.EpsilonTiny, codes);
    }

    [Fact]
    public void NonPositiveEpsilonAndNaNAreLinted()
    {
        var b = FoldCases.ConvBn(cin: 2, cout: 2);
        Replace(b, "bn.mean", new[] { double.PositiveInfinity, 0 });
        b.Graph.Node.Single(n => n.OpType == "BatchNormalization").Attribute.Single(a => a.Name == "epsilon").F = 0f;
        var lints = ReportFor(b).Lints;
        Assert.Equal(new[] { 0 }, lints.Single(l => l.Code == BatchNormLintCodes.NonFiniteStatistics).Channels);
        Assert.Contains(lints, l => l.Code == BatchNormLintCodes.EpsilonNotPositive);
    }
}
