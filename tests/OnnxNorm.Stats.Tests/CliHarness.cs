using OnnxNorm.Cli;

namespace OnnxNorm.Stats.Tests;

/// <summary>Runs the onnxnorm CLI in-process and captures what it prints.</summary>
public static class CliHarness
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    private static readonly object Gate = new();

    public static Outcome Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                int code = Verbs.Run(args);
                return new Outcome(code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
