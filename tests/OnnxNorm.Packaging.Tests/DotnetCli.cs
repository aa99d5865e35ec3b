using System.Diagnostics;

namespace OnnxNorm.Packaging.Tests;

/// <summary>Runs the dotnet CLI (pack, tool install) or an installed tool as a subprocess.</summary>
internal static class DotnetCli
{
    public sealed record Result(int ExitCode, string Output)
    {
        public Result AssertOk(string what)
        {
            Assert.True(ExitCode == 0, $"{what} exited {ExitCode}:\n{Output}");
            return this;
        }
    }

    public static Result Run(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The test host's own MSBuild settings must not leak into a nested build.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment.Remove("ONNXNORM_ORT_LIBRARY");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(900_000)) { p.Kill(true); throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish"); }
        return new Result(p.ExitCode, stdout.Result + stderr.Result);
    }

    public static Result Dotnet(params string[] args) => Run("dotnet", args);
}
