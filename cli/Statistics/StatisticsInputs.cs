using System.CommandLine;
using OnnxNorm.Graph;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>What check-stats and recalibrate share: the --data and --engine options, and the model prepared for a data pass.</summary>
public static class StatisticsInputs
{
    public static Option<string[]> Data() => new("--data")
    {
        Description = "Calibration data: .npy, .npz, .pb or a folder of them; NAME=PATH for a model with several inputs. Repeatable.",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string> Engine() => new("--engine")
    {
        Description = "Where the model runs: native (OnnxNorm's executor) or ort (ONNX Runtime).",
        DefaultValueFactory = _ => StatisticsEngines.Native,
    };

    /// <summary>The model's inputs that need data (initializers that double as inputs have defaults).</summary>
    public static List<string> RequiredInputs(Model model) =>
        model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToList();

    /// <summary>
    /// Training-mode BNs normalise by the batch, so their running statistics would never be used; the
    /// statistics tools look at the model as it will be deployed, with those layers frozen (freeze-bn).
    /// </summary>
    public static int FreezeTrainingModeLayers(Model model, List<string> warnings)
    {
        var result = new FreezeBatchNormPass().Run(model);
        int frozen = result.Diagnostics.Count(d => d.Code == FreezeCodes.Frozen);
        if (frozen > 0)
            warnings.Add($"{frozen} training-mode BN layer(s) were measured as if frozen to inference mode (as freeze-bn does): "
                + "in training mode they normalise each batch by its own statistics, and a batch of 1 with 1x1 spatial size then has zero variance (the output is just the bias)");
        foreach (var d in result.Diagnostics.Where(d => d.Code is FreezeCodes.DefaultStatistics or FreezeCodes.StatisticsNotConstant))
            warnings.Add($"{d.NodeName}: {d.Message}");
        return frozen;
    }
}
