using System.Xml.Linq;
using OnnxNorm.Ort;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

public class OrtPackageTests
{
    private static string PinnedVersion() =>
        XDocument.Load(Path.Combine(TestData.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;

    [Fact]
    public void The_runtime_in_use_is_the_pinned_package_version()
    {
        // No ONNXNORM_ORT_LIBRARY in the test environment: the package's own native library is loaded.
        Assert.Null(Environment.GetEnvironmentVariable(OrtLibraryResolver.EnvironmentVariable));
        Assert.Equal(PinnedVersion(), OrtSession.RuntimeVersion);
        Assert.Null(OrtLibraryResolver.OverridePath);
    }

    [Fact]
    public void The_package_native_library_is_copied_beside_the_build()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so");
        Assert.True(File.Exists(native), native);
    }
}
