using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>BN opsets 6 to 15: the mode signals (is_test, output count, training_mode) and BN-7 spatial=0.</summary>
public class BatchNormOpsetTests
{
    private static (PipelineResult Result, Model Model, byte[] Before) Fold(ModelBuilder b)
    {
        var before = b.ToBytes();
        var m = Load(b);
        return (Run(m, "fold-bn"), m, before);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public void Opset1And6WithIsTestFold(long opset)
    {
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(opset, bnAttributes: ("is_test", 1)));
        using (m)
        {
            Assert.Equal("folded-into-conv", Single(r, "bn").Code);
            // IR 3 needs every initializer listed as a graph input, the new ones included.
            Assert.All(m.Graph.Initializers, v => Assert.True(v.IsGraphInput, v.Name));
            AssertSameOutputs(before, Reload(m));
        }
    }

    [Fact]
    public void Opset6WithoutIsTestIsTrainingMode()
    {
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(6));
        using (m)
        {
            var d = Single(r, "bn");
            Assert.Equal(FoldRefusalCodes.TrainingMode, d.Code);
            Assert.Contains("is_test=0", d.Message);
            Assert.Contains("freeze-bn", d.Message);
            Assert.Equal(before, ModelSaver.ToBytes(m));
        }
    }

    [Fact]
    public void Opset9WithSingleOutputFolds()
    {
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(9));
        using (m)
        {
            Assert.Equal("folded-into-conv", Single(r, "bn").Code);
            AssertSameOutputs(before, m);
        }
    }

    [Fact]
    public void Opset9WithFiveOutputsIsTrainingMode()
    {
        var (r, m, _) = Fold(FoldCases.ConvBnAtOpset(9, bnOutputs: 5));
        using (m) Assert.Equal(FoldRefusalCodes.TrainingMode, Single(r, "bn").Code);
    }

    [Fact]
    public void Opset14TrainingModeZeroFolds()
    {
        var (r, m, _) = Fold(FoldCases.ConvBnAtOpset(14, bnAttributes: ("training_mode", 0)));
        using (m) Assert.Equal("folded-into-conv", Single(r, "bn").Code);
    }

    [Fact]
    public void Opset14TrainingModeOneIsNeverFolded()
    {
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(14, bnOutputs: 3, bnAttributes: ("training_mode", 1)));
        using (m)
        {
            var d = Single(r, "bn");
            Assert.Equal(FoldRefusalCodes.TrainingMode, d.Code);
            Assert.Contains("training_mode=1", d.Message);
            Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
            Assert.Equal(before, ModelSaver.ToBytes(m));
        }
    }

    [Fact]
    public void Opset7SpatialZeroWithOnePositionFolds()
    {
        // Per-activation statistics [C, 1, 1] on a 1×1 output: one value per channel, so exact.
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(7, paramDims: new long[] { 4, 1, 1 }, spatialSize: 1, bnAttributes: ("spatial", 0)));
        using (m)
        {
            Assert.Equal("folded-into-conv", Single(r, "bn").Code);
            AssertSameOutputs(before, m);
        }
    }

    [Fact]
    public void Opset7SpatialZeroWithStatisticsEqualAtEveryPositionFolds()
    {
        // [C, 2, 2] statistics, each channel's four values equal: per-channel after all, so exact.
        var (r, m, before) = Fold(FoldCases.ConvBnAtOpset(7, paramDims: new long[] { 4, 2, 2 }, spatialSize: 2, bnAttributes: ("spatial", 0)));
        using (m)
        {
            Assert.Equal("folded-into-conv", Single(r, "bn").Code);
            AssertSameOutputs(before, m);
        }
    }

    [Fact]
    public void Opset7SpatialZeroWithPerPositionStatisticsIsRefused()
    {
        var b = FoldCases.ConvBnAtOpset(7, paramDims: new long[] { 4, 2, 2 }, spatialSize: 2, bnAttributes: ("spatial", 0));
        // One position of channel 0's mean differs from the other three.
        var mean = b.Graph.Initializer.Single(t => t.Name == "bn.mean");
        var values = OnnxNorm.Ir.Tensor.FromBytes("", ElementType.Float, mean.Dims.ToArray(), mean.RawData.ToByteArray()).ToDoubles();
        values[1] += 0.5;
        b.Graph.Initializer.Remove(mean);
        b.Graph.Initializer.Add(ModelBuilder.MakeTensor("bn.mean", ElementType.Float, mean.Dims.ToArray(), values));
        var (r, m, before) = Fold(b);
        using (m)
        {
            Assert.Equal(FoldRefusalCodes.PerActivationStatistics, Single(r, "bn").Code);
            Assert.Equal(before, ModelSaver.ToBytes(m));
        }
    }
}
