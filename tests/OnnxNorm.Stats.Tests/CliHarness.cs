using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

/// <summary>Runs the onnxnorm CLI as a subprocess, the way users run it, and captures what it prints.</summary>
public static class CliHarness
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Outcome Run(params string[] args) => From(OnnxnormProcess.Run(args));

    /// <summary>Runs it with <paramref name="workingDirectory"/> as its current folder.</summary>
    public static Outcome RunIn(string workingDirectory, params string[] args) => From(OnnxnormProcess.RunIn(workingDirectory, args));

    private static Outcome From(OnnxnormProcess.Result r) => new(r.ExitCode, r.Stdout, r.Stderr);
}
