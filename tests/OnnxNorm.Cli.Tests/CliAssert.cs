using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

internal static class CliAssert
{
    /// <summary>The error contract: exit 2 and exactly one line on stderr, no stack trace.</summary>
    public static void BadInput(OnnxnormProcess.Result r, string expectedFragment)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, stderr: {r.Stderr}");
        var lines = r.StderrLines;
        Assert.True(lines.Length == 1, $"stderr should be one line, was: {r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Contains(expectedFragment, lines[0]);
    }
}
