namespace OnnxNorm.Packaging.Tests;

/// <summary>The libraries and, for each, the OnnxNorm layers below it: what its assembly and its package may depend on.</summary>
public static class LibraryLayers
{
    public static TheoryData<string, string> Below => new()
    {
        { "OnnxNorm.Ir", "" },
        { "OnnxNorm.Passes", "OnnxNorm.Ir" },
        { "OnnxNorm.Runtime", "OnnxNorm.Ir" },
        { "OnnxNorm.Ort", "OnnxNorm.Ir OnnxNorm.Runtime" },
        { "OnnxNorm.Workflows", "OnnxNorm.Ir OnnxNorm.Ort OnnxNorm.Passes OnnxNorm.Runtime" },
    };
}
