using OnnxNorm.Graph;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli;

/// <summary>Creates the engine named on the command line. The one place a new engine is wired in.</summary>
public static class EngineFactory
{
    public const string Ort = "ort";
    public const string Native = "native";

    public static readonly string[] Names = { Ort, Native };

    public static IInferenceEngine Create(string name, string modelPath, OrtSessionOptions ortOptions, OperatorProfile? profile = null) => name switch
    {
        Ort => OrtEngine.FromFile(modelPath, ortOptions),
        // Native threads: ORT's IntraOpThreads (0 = every core, like ORT's default).
        Native => NativeEngine.FromFile(modelPath, new SessionOptions { Threads = ortOptions.IntraOpThreads > 0 ? ortOptions.IntraOpThreads : Environment.ProcessorCount, Profile = profile }),
        _ => throw new BadInputException($"--engine {name}: unknown engine (use {string.Join(" or ", Names)})"),
    };
}
