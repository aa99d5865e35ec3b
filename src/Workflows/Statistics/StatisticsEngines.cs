using OnnxNorm.Graph;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>The engines check-stats and recalibrate can run on, by their --engine name.</summary>
public static class StatisticsEngines
{
    public const string Native = "native";
    public const string Ort = "ort";

    public static readonly string[] Names = { Native, Ort };

    public static ActivationEngineFactory Get(string name) => name switch
    {
        Native => NativeActivationEngine.Create,
        Ort => OrtActivationEngine.Create,
        _ => throw new BadInputException($"unknown engine '{name}' (known: {string.Join(", ", Names)})"),
    };
}
