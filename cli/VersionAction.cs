using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;

namespace OnnxNorm.Cli;

/// <summary>
/// `onnxnorm --version`: OnnxNorm's own version (from git tags, via MinVer) and the ONNX Runtime it runs with,
/// with the library file when ONNXNORM_ORT_LIBRARY replaced the package's own, and the GEMM kernel the CPU got.
/// </summary>
public sealed class VersionAction : SynchronousCommandLineAction
{
    public static string ToolVersion =>
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override int Invoke(ParseResult parseResult) => CliRunner.Run(() =>
    {
        Console.WriteLine($"onnxnorm {ToolVersion}");
        string runtime = $"onnxruntime {OrtSession.RuntimeVersion}";
        if (OrtLibraryResolver.OverridePath is { } path) runtime += $" ({OrtLibraryResolver.EnvironmentVariable}={path})";
        Console.WriteLine(runtime);
        Console.WriteLine($"kernels {NativeSession.GemmKernel}");
        return CliRunner.Ok;
    });
}
