using System.Diagnostics;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>
/// One fuzz case through one verb, checked against the contract: exit 0/1/2 (70 is a crash), on 2 a single
/// line without a stack trace, the input untouched, no temp file left, and bounded time.
/// </summary>
public static class FuzzHarness
{
    public static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>Returns null when the contract held, else a description of the violation.</summary>
    public static string? Check(string dir, string input, byte[] inputBytes, string[] args, string? output)
    {
        var sw = Stopwatch.StartNew();
        var (code, _, err) = InProcessCli.Run(args);
        sw.Stop();
        string verb = string.Join(' ', args.Take(1));
        if (code is not (0 or 1 or 2)) return $"{verb}: exit {code}: {err.Trim()}";
        if (code == 2)
        {
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length != 1) return $"{verb}: error is {lines.Length} lines: {err.Trim()}";
            if (err.Contains("   at ", StringComparison.Ordinal)) return $"{verb}: stack trace in error: {err.Trim()}";
            if (output is not null && File.Exists(output)) return $"{verb}: failed but left {output}";
        }
        if (!File.ReadAllBytes(input).AsSpan().SequenceEqual(inputBytes)) return $"{verb}: modified its input";
        var temps = Directory.GetFiles(dir, "*.tmp");
        if (temps.Length > 0) return $"{verb}: left temp file {Path.GetFileName(temps[0])}";
        if (sw.Elapsed > CaseTimeLimit) return $"{verb}: took {sw.Elapsed.TotalSeconds:F1} s";
        return null;
    }
}
