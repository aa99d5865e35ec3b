namespace OnnxNorm.Packaging.Tests;

/// <summary>The libraries and, for each, the OnnxNorm layers below it: what its assembly and its package may depend on.</summary>
public static class LibraryLayers
{
    public static TheoryData<string, string> Below => new()
    {
        { "OnnxNorm.Graph", "" },
        { "OnnxNorm.Passes", "OnnxNorm.Graph" },
        { "OnnxNorm.Runtime", "OnnxNorm.Graph" },
        { "OnnxNorm.Ort", "OnnxNorm.Graph OnnxNorm.Runtime" },
        { "OnnxNorm.Workflows", "OnnxNorm.Graph OnnxNorm.Ort OnnxNorm.Passes OnnxNorm.Runtime" },
    };
}
