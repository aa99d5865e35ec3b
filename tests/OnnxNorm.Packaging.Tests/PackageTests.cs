using System.Text.RegularExpressions;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Packaging.Tests;

public class PackageTests(PackedSolution packed) : IClassFixture<PackedSolution>
{
    private static readonly string[] Libraries = { "OnnxNorm.Ir", "OnnxNorm.Passes", "OnnxNorm.Runtime", "OnnxNorm.Ort", "OnnxNorm.Workflows" };
    private const string Tool = "onnxnorm";

    [Fact]
    public void Packing_the_solution_makes_the_five_libraries_and_the_tool_and_nothing_else()
    {
        Assert.Equal(Libraries.Append(Tool).Order(StringComparer.Ordinal), packed.Packages.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("OnnxNorm.Ir")]
    [InlineData("OnnxNorm.Passes")]
    [InlineData("OnnxNorm.Runtime")]
    [InlineData("OnnxNorm.Ort")]
    [InlineData("OnnxNorm.Workflows")]
    [InlineData("onnxnorm")]
    public void Every_package_has_real_metadata(string id)
    {
        var p = packed.Packages[id];
        Assert.True(p.Get("description").Length > 60, $"{id}: description '{p.Get("description")}'");
        Assert.DoesNotContain("Package Description", p.Get("description"));
        var license = p.Element("license");
        Assert.NotNull(license);
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", p.Get("readme"));
        Assert.Contains("README.md", p.Files);
        Assert.Contains("LICENSE", p.Files);
        Assert.Contains("onnx", p.Get("tags").Split(' '));
        Assert.Equal("OnnxNorm contributors", p.Get("authors"));
        // MinVer: a tag vX.Y.Z, or 0.9.0-alpha.0.HEIGHT without one; never the SDK's 1.0.0 default.
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+(-alpha\.0\.\d+)?$"), p.Version);
        Assert.NotEqual("1.0.0", p.Version);
    }

    [Theory]
    [InlineData("OnnxNorm.Ir")]
    [InlineData("OnnxNorm.Passes")]
    [InlineData("OnnxNorm.Runtime")]
    [InlineData("OnnxNorm.Ort")]
    [InlineData("OnnxNorm.Workflows")]
    public void Library_packages_carry_their_xml_docs(string id)
    {
        var p = packed.Packages[id];
        Assert.Contains($"lib/net10.0/{id}.dll", p.Files);
        Assert.Contains($"lib/net10.0/{id}.xml", p.Files);
    }

    [Fact]
    public void Only_the_ort_adapter_package_depends_on_the_pinned_onnx_runtime_package()
    {
        Assert.Equal("1.31.1", Dependencies("OnnxNorm.Ort")["Microsoft.ML.OnnxRuntime"]);
        foreach (var id in Libraries.Where(l => l != "OnnxNorm.Ort"))
            Assert.False(Dependencies(id).ContainsKey("Microsoft.ML.OnnxRuntime"), $"{id} depends on Microsoft.ML.OnnxRuntime");
    }

    [Theory]
    [MemberData(nameof(LibraryLayers.Below), MemberType = typeof(LibraryLayers))]
    public void Library_packages_depend_on_the_layers_below_them_only(string id, string layersBelow)
    {
        var ours = Dependencies(id).Keys.Where(k => k.StartsWith("OnnxNorm.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(layersBelow.Split(' ', StringSplitOptions.RemoveEmptyEntries), ours);
    }

    private Dictionary<string, string> Dependencies(string id) =>
        packed.Packages[id].Metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);

    [Fact]
    public void The_tool_package_carries_onnx_runtime_for_linux_only()
    {
        var files = packed.Packages[Tool].Files;
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libonnxruntime.so", files);
        Assert.Contains("tools/net10.0/any/runtimes/linux-arm64/native/libonnxruntime.so", files);
        Assert.DoesNotContain(files, f => f.Contains("/win-", StringComparison.Ordinal) || f.Contains("/osx-", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains("libonnxruntime.so.1", StringComparison.Ordinal)); // nothing left of the npm copy
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_tool_installs_with_dotnet_tool_install_and_verifies_the_bundled_model()
    {
        var tool = packed.Packages[Tool];
        string toolPath = TestData.NewTempDir();
        DotnetCli.Dotnet("tool", "install", Tool, "--tool-path", toolPath, "--add-source", packed.Folder, "--version", tool.Version)
            .AssertOk("dotnet tool install");
        string exe = Path.Combine(toolPath, "onnxnorm");

        var version = DotnetCli.Run(exe, new[] { "--version" }).AssertOk("onnxnorm --version");
        Assert.Contains($"onnxnorm {tool.Version}", version.Output);
        Assert.Contains("onnxruntime 1.31.1", version.Output);

        string output = Path.Combine(TestData.NewTempDir(), "convbn_small.folded.onnx");
        var optimize = DotnetCli.Run(exe, new[] { "optimize", TestData.TestModel("convbn_small.onnx"), "-o", output, "--verify" })
            .AssertOk("onnxnorm optimize --verify");
        Assert.Contains("equivalent under onnxruntime 1.31.1", optimize.Output);
        Assert.True(File.Exists(output));
    }
}
