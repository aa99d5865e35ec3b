using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class RealModelTests
{
    [Fact]
    public void PaddleClsFoldsAll35BatchNormsFromConstantNodes()
    {
        using var m = ModelLoader.Load(TestData.Paddle(TestData.PaddleCls));
        Assert.Equal(35, Count(m, "BatchNormalization"));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal(35, r.Diagnostics.Count(d => d.Code == "folded-into-conv"));
        using var reloaded = Reload(m);
        Assert.Null(GraphInvariants.FindProblem(reloaded));
    }

    [Theory]
    [InlineData(TestData.PaddleDet)]
    [InlineData(TestData.PaddleRec)]
    public void PpOcrV4FoldsEveryConvFedBatchNorm(string file)
    {
        using var m = ModelLoader.Load(TestData.Paddle(file));
        int convFed = m.Graph.AllNodes().Count(n => n.OpType == "BatchNormalization" && n.Input(0)?.Producer?.OpType == "Conv");
        Assert.True(convFed > 0);
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.DoesNotContain(m.Graph.AllNodes(), n => n.OpType == "BatchNormalization" && n.Input(0)?.Producer?.OpType == "Conv");
        Assert.True(r.Diagnostics.Count(d => d.Code == "folded-into-conv") >= convFed);
        using var reloaded = Reload(m);
        Assert.Null(GraphInvariants.FindProblem(reloaded));
    }

    [Fact]
    public void ResNet18LikeFoldsAll20BatchNormsAndDropsTheirParameters()
    {
        using var m = Load(CnnModels.ResNet18Like());
        long paramsBefore = ModelSummary.Of(m, "r").ParameterCount;
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Equal(20, r.Diagnostics.Count(d => d.Code == "folded-into-conv"));
        // Each BN had 4·C parameters and its (bias-free) Conv gains a bias of C: −3·C per BN. The channel
        // counts: stem 64, layer1 4×64, layers 2-4 five convs each (4 + downsample) of 128, 256, 512.
        long channels = 64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512;
        Assert.Equal(paramsBefore - 3 * channels, ModelSummary.Of(m, "r").ParameterCount);
    }
}
