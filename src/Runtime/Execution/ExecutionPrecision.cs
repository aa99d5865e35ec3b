using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>The arithmetic a <see cref="NativeSession"/> runs floating-point ops in.</summary>
public enum ExecutionPrecision
{
    /// <summary>Each op in its declared type (float16/bfloat16 computed in float32 and rounded back); the fast kernels.</summary>
    Native,

    /// <summary>
    /// The float64 reference: every floating-point value (inputs, weights, every node's output) is held and computed
    /// in double, whatever the model declares; float-typed outputs come back as double.
    /// </summary>
    Float64,

    /// <summary>
    /// Each op computed in double from double inputs, then its output rounded to the type the model declares for it
    /// (float32, float16, bfloat16) and held as double: a reference that follows the model's declared precision.
    /// </summary>
    Declared,
}

/// <summary>Names of <see cref="ExecutionPrecision"/> on the command line.</summary>
public static class ExecutionPrecisionNames
{
    /// <summary>The precision named on the command line ("native", "f64", "declared").</summary>
    /// <exception cref="BadInputException">An unknown name.</exception>
    public static ExecutionPrecision Parse(string text) => text.ToLowerInvariant() switch
    {
        "native" or "default" => ExecutionPrecision.Native,
        "f64" or "float64" or "double" or "reference" => ExecutionPrecision.Float64,
        "declared" => ExecutionPrecision.Declared,
        _ => throw new BadInputException($"unknown precision '{text}' (expected native, f64 or declared)"),
    };

    /// <summary>The command-line name of <paramref name="p"/>.</summary>
    public static string Name(this ExecutionPrecision p) => p switch
    {
        ExecutionPrecision.Float64 => "f64",
        ExecutionPrecision.Declared => "declared",
        _ => "native",
    };
}
