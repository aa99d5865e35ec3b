using OnnxNorm.Cli;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// Runs the onnxnorm CLI in-process and captures what it prints. The console (and the working directory) are
/// process-wide, so CLI runs take turns; the other tests of this assembly run in parallel with them.
/// </summary>
public static class CliHarness
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    private static readonly object Gate = new();

    public static Outcome Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs the CLI with <paramref name="workingDirectory"/> as the current directory (relative paths, as a user types them).</summary>
    public static Outcome RunIn(string? workingDirectory, params string[] args)
    {
        lock (Gate)
        {
            string cwd = Directory.GetCurrentDirectory();
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                if (workingDirectory is not null) Directory.SetCurrentDirectory(workingDirectory);
                int code = Verbs.Run(args);
                return new Outcome(code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
                Directory.SetCurrentDirectory(cwd);
            }
        }
    }
}
