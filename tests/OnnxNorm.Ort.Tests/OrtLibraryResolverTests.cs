using OnnxNorm.Runtime.Ort;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

public class OrtLibraryResolverTests
{
    [Fact]
    public void Nuget_cache_versions_are_tried_newest_first()
    {
        string root = TestData.NewTempDir();
        foreach (string v in new[] { "1.9.0", "1.20.1", "1.17.3" })
        {
            string native = Path.Combine(root, "microsoft.ml.onnxruntime", v, "runtimes", "linux-x64", "native");
            Directory.CreateDirectory(native);
            File.WriteAllText(Path.Combine(native, "libonnxruntime.so"), "");
        }
        Directory.CreateDirectory(Path.Combine(root, "microsoft.ml.onnxruntime", "2.0.0")); // no native library: ignored
        var found = OrtLibraryResolver.NuGetCacheCandidates(root).Select(p => p.Split('/')[^5]).ToList();
        Assert.Equal(new[] { "1.20.1", "1.17.3", "1.9.0" }, found);
        Assert.Empty(OrtLibraryResolver.NuGetCacheCandidates(TestData.NewTempDir()));
    }

    [Fact]
    public void The_build_copy_next_to_the_assembly_is_used()
    {
        // No ONNXNORM_ORT_LIBRARY in the test environment: the library the build copied beside us wins.
        Assert.Null(Environment.GetEnvironmentVariable(OrtLibraryResolver.EnvironmentVariable));
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), Path.GetFullPath(OrtSession.RuntimeLibraryPath));
        Assert.Equal("1.30.0", OrtSession.RuntimeVersion);
    }
}
