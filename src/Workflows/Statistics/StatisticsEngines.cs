using OnnxNorm.Ir;
using OnnxNorm.Workflows.Engines;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>The engines check-stats and recalibrate can run on, by their --engine name.</summary>
public static class StatisticsEngines
{
    // The names are the engine factory's, so `--engine native` means one thing on every verb.
    /// <summary>The native executor.</summary>
    public const string Native = EngineFactory.Native;
    /// <summary>ONNX Runtime.</summary>
    public const string Ort = EngineFactory.Ort;

    /// <summary>The engine names <see cref="Get"/> accepts.</summary>
    public static readonly string[] Names = { Native, Ort };

    /// <summary>The activation engine called <paramref name="name"/>.</summary>
    /// <exception cref="BadInputException">An unknown name.</exception>
    public static ActivationEngineFactory Get(string name) => name switch
    {
        Native => NativeActivationEngine.Create,
        Ort => OrtActivationEngine.Create,
        _ => throw new BadInputException($"unknown engine '{name}' (known: {string.Join(", ", Names)})"),
    };
}
