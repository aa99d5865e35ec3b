using System.Reflection;

namespace OnnxNorm.Packaging.Tests;

/// <summary>The libraries and, for each, the OnnxNorm layers below it: what its assembly and its package may depend on.</summary>
public static class LibraryLayers
{
    /// <summary>The five library names.</summary>
    public static TheoryData<string> Names => new() { "OnnxNorm.Ir", "OnnxNorm.Passes", "OnnxNorm.Runtime", "OnnxNorm.Ort", "OnnxNorm.Workflows" };

    /// <summary>The built assembly of library <paramref name="name"/>.</summary>
    public static Assembly Assembly(string name) => name switch
    {
        "OnnxNorm.Ir" => typeof(OnnxNorm.Ir.Model).Assembly,
        "OnnxNorm.Passes" => typeof(OnnxNorm.Passes.PassPipeline).Assembly,
        "OnnxNorm.Runtime" => typeof(OnnxNorm.Runtime.Execution.NativeSession).Assembly,
        "OnnxNorm.Ort" => typeof(OnnxNorm.Ort.OrtSession).Assembly,
        "OnnxNorm.Workflows" => typeof(OnnxNorm.Workflows.Comparison.OrtComparison).Assembly,
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, string> Below => new()
    {
        { "OnnxNorm.Ir", "" },
        { "OnnxNorm.Passes", "OnnxNorm.Ir" },
        { "OnnxNorm.Runtime", "OnnxNorm.Ir" },
        { "OnnxNorm.Ort", "OnnxNorm.Ir OnnxNorm.Runtime" },
        { "OnnxNorm.Workflows", "OnnxNorm.Ir OnnxNorm.Ort OnnxNorm.Passes OnnxNorm.Runtime" },
    };
}
