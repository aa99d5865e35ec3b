using OnnxNorm.Ir;
using OnnxNorm.Workflows.Engines;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>The engines check-stats and recalibrate can run on, by their --engine name.</summary>
public static class StatisticsEngines
{
    // The names are the engine factory's, so `--engine native` means one thing on every verb.
    public const string Native = EngineFactory.Native;
    public const string Ort = EngineFactory.Ort;

    public static readonly string[] Names = { Native, Ort };

    public static ActivationEngineFactory Get(string name) => name switch
    {
        Native => NativeActivationEngine.Create,
        Ort => OrtActivationEngine.Create,
        _ => throw new BadInputException($"unknown engine '{name}' (known: {string.Join(", ", Names)})"),
    };
}
