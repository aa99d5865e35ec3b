using System.CommandLine;
using OnnxNorm.Ir;
using OnnxNorm.Workflows.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>What check-stats and recalibrate share on the command line: the --data and --engine options.</summary>
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
}
