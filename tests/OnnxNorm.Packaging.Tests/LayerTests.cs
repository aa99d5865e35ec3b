namespace OnnxNorm.Packaging.Tests;

/// <summary>The assemblies depend on each other in one direction only, as the README's layout draws them.</summary>
public class LayerTests
{
    private static string[] References(string name, string prefix) =>
        LibraryLayers.Assembly(name).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [MemberData(nameof(LibraryLayers.Below), MemberType = typeof(LibraryLayers))]
    public void Each_library_references_only_the_layers_below_it(string library, string layersBelow)
    {
        Assert.Equal(layersBelow.Split(' ', StringSplitOptions.RemoveEmptyEntries), References(library, "OnnxNorm."));
    }

    [Theory]
    [InlineData("OnnxNorm.Ir")]
    [InlineData("OnnxNorm.Passes")]
    [InlineData("OnnxNorm.Runtime")]
    [InlineData("OnnxNorm.Workflows")]
    public void Only_the_ort_adapter_references_onnx_runtime(string library)
    {
        Assert.Equal(new[] { "Microsoft.ML.OnnxRuntime" }, References("OnnxNorm.Ort", "Microsoft.ML.OnnxRuntime"));
        Assert.Empty(References(library, "Microsoft.ML.OnnxRuntime"));
    }
}
