using System.Diagnostics;
using System.Reflection;
namespace OnnxNorm.TestSupport;

/// <summary>
/// Runs the built onnxnorm (dotnet onnxnorm.dll ...) as a subprocess, the way users run it. With
/// ONNXNORM_CLI set to an executable (test.sh points it at the native AOT build), that is run instead.
/// Tests outside the CLI's own run it this way too, never in-process: the CLI is not a library, and an in-process
/// run swaps the process-wide console and working folder, which keeps tests from running in parallel.
/// </summary>
public static class OnnxnormProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly string? Native = Environment.GetEnvironmentVariable("ONNXNORM_CLI") is { Length: > 0 } exe ? Path.GetFullPath(exe) : null;
    private static readonly string Dll = Native ?? Locate();

    /// <summary>Whether the CLI under test is the native (AOT) build rather than onnxnorm.dll on the JIT.</summary>
    public static bool IsNative => Native is not null;

    private static string Locate()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "onnxnorm.dll");
        if (File.Exists(beside)) return beside;
        string config = typeof(OnnxnormProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "Configuration").Value!;
        string built = Path.Combine(TestData.RepoRoot, "cli", "bin", config, "net10.0", "onnxnorm.dll");
        if (!File.Exists(built)) throw new InvalidOperationException($"onnxnorm.dll not found at {built}; build cli/onnxnorm.csproj");
        return built;
    }

    public static Result Run(params string[] args) => RunWithEnvironment(new Dictionary<string, string>(), args);

    /// <summary>Runs onnxnorm with <paramref name="workingDirectory"/> as its current folder (relative paths in args resolve there).</summary>
    public static Result RunIn(string workingDirectory, params string[] args) =>
        Wait(Launch(Native, Dll, new Dictionary<string, string>(), Array.Empty<string>(), args, workingDirectory), args);

    /// <summary>Runs onnxnorm in <paramref name="workingDirectory"/> with <paramref name="environment"/> added to its environment.</summary>
    public static Result RunIn(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Wait(Launch(Native, Dll, environment, Array.Empty<string>(), args, workingDirectory), args);

    public static Result RunWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Wait(Launch(Native, Dll, environment, Array.Empty<string>(), args), args);

    /// <summary>Runs onnxnorm under another program (strace ...), which gets onnxnorm's command line appended.</summary>
    public static Result RunUnder(string[] wrapper, params string[] args) =>
        Wait(Launch(Native, Dll, new Dictionary<string, string>(), wrapper, args), args);

    /// <summary>Starts onnxnorm with stdout/stderr redirected; the caller reads them and waits.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, string[] wrapper, params string[] args) =>
        Launch(Native, Dll, environment, wrapper, args);

    /// <summary>
    /// Copies the CLI under test into <paramref name="dir"/> without ONNX Runtime's native library (and without
    /// the runtimes/ folder the library sits in); returns the copy's program (executable or dll). File.Copy keeps the mode bits.
    /// </summary>
    public static string CopyWithoutOrtLibrary(string dir)
    {
        string source = Path.GetDirectoryName(Dll)!;
        foreach (string file in Directory.EnumerateFiles(source))
            if (!Path.GetFileName(file).StartsWith("libonnxruntime", StringComparison.Ordinal))
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        string program = Path.Combine(dir, Path.GetFileName(Dll));
        return program;
    }

    /// <summary>Runs a copy made by <see cref="CopyWithoutOrtLibrary"/>.</summary>
    public static Result RunCopy(string program, params string[] args) =>
        Wait(Launch(Native is null ? null : program, program, new Dictionary<string, string>(), Array.Empty<string>(), args), args);

    private static Process Launch(string? native, string dll, IReadOnlyDictionary<string, string> environment, string[] wrapper, string[] args, string? workingDirectory = null)
    {
        var command = new List<string>(wrapper) { native ?? "dotnet" };
        if (native is null) command.Add(dll);
        command.AddRange(args);
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ONNXNORM_DEBUG");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    private static Result Wait(Process started, string[] args)
    {
        using var p = started;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"onnxnorm {string.Join(' ', args)} did not finish"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
