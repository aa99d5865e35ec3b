using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Engines;

/// <summary>Creates the engine named on the command line. The one place a new engine is wired in.</summary>
public static class EngineFactory
{
    /// <summary>ONNX Runtime.</summary>
    public const string Ort = "ort";
    /// <summary>OnnxNorm's native executor.</summary>
    public const string Native = "native";
    /// <summary>The native executor in its float64 reference mode (= native with --precision f64).</summary>
    public const string Reference = "reference";

    /// <summary>Every engine name <see cref="Create"/> accepts.</summary>
    public static readonly string[] Names = { Ort, Native, Reference };

    /// <summary>
    /// The engine called <paramref name="name"/> over the model at <paramref name="modelPath"/>; with a
    /// <paramref name="profile"/>, the native engine adds each run's time per op type to it, ORT once its profiling ends
    /// (<see cref="OrtSession.EndProfiling"/>).
    /// </summary>
    /// <exception cref="BadInputException">An unknown engine name, or a model the engine refuses.</exception>
    public static IInferenceEngine Create(string name, string modelPath, OrtSessionOptions ortOptions, OperatorProfile? profile = null,
        ExecutionPrecision precision = ExecutionPrecision.Native)
    {
        if (name == Reference && precision == ExecutionPrecision.Native) precision = ExecutionPrecision.Float64;
        if (name == Ort && precision != ExecutionPrecision.Native)
            throw new BadInputException($"--precision {precision.Name()} needs the native engine (--engine native or reference)");
        return name switch
        {
            Ort => OrtEngine.FromFile(modelPath, profile is null ? ortOptions : ortOptions with { Profile = profile }),
            // Native threads: ORT's IntraOpThreads (0 = every core, like ORT's default).
            Native or Reference => NativeEngine.FromFile(modelPath, new SessionOptions
            {
                Threads = ortOptions.IntraOpThreads > 0 ? ortOptions.IntraOpThreads : Environment.ProcessorCount,
                Profile = profile,
                Precision = precision,
            }),
            _ => throw new BadInputException($"--engine {name}: unknown engine (use {string.Join(", ", Names)})"),
        };
    }
}
