using System.Xml.Linq;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

public class VersionCommandTests
{
    private static string PinnedOrtVersion() =>
        XDocument.Load(Path.Combine(TestData.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;

    [Fact]
    public void Version_prints_onnxnorm_and_the_pinned_onnx_runtime()
    {
        var r = OnnxnormProcess.Run("--version");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^onnxnorm \d+\.\d+\.\d+", lines[0]);
        Assert.Equal($"onnxruntime {PinnedOrtVersion()}", lines[1]);
    }
}
