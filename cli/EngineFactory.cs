using OnnxNorm.Graph;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli;

/// <summary>Creates the engine named on the command line. The one place a new engine is wired in.</summary>
public static class EngineFactory
{
    public const string Ort = "ort";
    public const string Native = "native";

    public static readonly string[] Names = { Ort, Native };

    public static IInferenceEngine Create(string name, string modelPath, OrtSessionOptions ortOptions) => name switch
    {
        Ort => OrtEngine.FromFile(modelPath, ortOptions),
        Native => throw new BadInputException("the native engine is not available in this build yet; compare two models (compare A.onnx B.onnx) or use --engine ort"),
        _ => throw new BadInputException($"--engine {name}: unknown engine (use {string.Join(" or ", Names)})"),
    };
}
