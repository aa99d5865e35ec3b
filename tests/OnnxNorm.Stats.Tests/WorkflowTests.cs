using OnnxNorm.Ir;
using OnnxNorm.TestSupport;
using OnnxNorm.Workflows.Statistics;

namespace OnnxNorm.Stats.Tests;

/// <summary>check-stats and recalibrate called as a library user calls them, without the CLI.</summary>
public class WorkflowTests
{
    public static TheoryData<string> Engines => new() { StatisticsEngines.Native, StatisticsEngines.Ort };

    private static (Model Model, CalibrationData Data) Load()
    {
        string dir = TestData.NewTempDir();
        string path = Path.Combine(dir, "model.onnx");
        PlantedModels.Build(planted: true).Save(path);
        string data = Path.Combine(dir, "data");
        PlantedModels.WriteData(data, 6, 4);
        var model = ModelLoader.Load(path);
        return (model, CalibrationData.Parse(new[] { data }, model));
    }

    [Theory, MemberData(nameof(Engines))]
    public void The_recalibration_workflow_writes_the_data_statistics_into_the_model_it_is_given(string engine)
    {
        var (model, data) = Load();
        using (model)
        {
            var outcome = Recalibration.Run(StatisticsEngines.Get(engine), model, data);
            Assert.Equal(model.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"), outcome.Layers);
            Assert.True(outcome.Levels >= 2, $"levels {outcome.Levels}");
            var bn1 = model.Graph.Nodes.Single(n => n.Name == "bn1");
            var mean = bn1.Input(3)!.ConstantTensor!.ToDoubles();
            var variance = bn1.Input(4)!.ConstantTensor!.ToDoubles();
            for (int c = 0; c < PlantedModels.C; c++)
            {
                Assert.Equal(PlantedModels.InputMean[c], mean[c], 4);
                Assert.Equal(PlantedModels.InputVar[c], variance[c], 3);
            }
        }
    }

    [Theory, MemberData(nameof(Engines))]
    public void The_check_stats_workflow_flags_the_planted_layers_and_after_recalibration_none(string engine)
    {
        var (model, data) = Load();
        using (model)
        {
            var factory = StatisticsEngines.Get(engine);
            var before = StatsCheck.Run(model, StatsCheck.Prepare(model), data, factory, new StatsChecker.Options());
            Assert.True(before.AnyFlagged);
            Recalibration.Run(factory, model, data);
            var after = StatsCheck.Run(model, StatsCheck.Prepare(model), data, factory, new StatsChecker.Options());
            Assert.False(after.AnyFlagged, string.Join("; ", after.Warnings));
        }
    }
}
