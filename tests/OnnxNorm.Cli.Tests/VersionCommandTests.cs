using System.Runtime.Intrinsics.X86;
using System.Xml.Linq;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

public class VersionCommandTests
{
    private static string PinnedOrtVersion() =>
        XDocument.Load(Path.Combine(TestData.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;

    // What this (JIT-compiled) test process sees; the CLI, native build included, must choose the same.
    private static string ExpectedKernel() =>
        Avx512F.IsSupported && Fma.IsSupported ? "avx512f" : Fma.IsSupported && Avx.IsSupported ? "avx2+fma" : "scalar";

    [Fact]
    public void Version_prints_onnxnorm_the_pinned_onnx_runtime_and_the_kernel_chosen_for_this_cpu()
    {
        var r = OnnxnormProcess.Run("--version");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^onnxnorm \d+\.\d+\.\d+", lines[0]);
        Assert.Equal($"onnxruntime {PinnedOrtVersion()}", lines[1]);
        Assert.Equal($"kernels {ExpectedKernel()}", lines[2]);
    }

    [Fact]
    public void With_the_avx512_executable_ruled_out_the_native_build_runs_its_portable_avx2_kernels()
    {
        // Only the native build has a second executable to rule out; on the JIT the variable changes nothing.
        var env = new Dictionary<string, string> { ["ONNXNORM_NO_AVX512_BINARY"] = "1" };
        var r = OnnxnormProcess.RunWithEnvironment(env, "--version");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string expected = OnnxnormProcess.IsNative ? "avx2+fma" : ExpectedKernel();
        Assert.Equal($"kernels {expected}", r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[2]);
    }
}
