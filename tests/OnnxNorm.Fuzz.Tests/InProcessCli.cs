using OnnxNorm.Cli;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>
/// Runs `onnxnorm` in this process with stdout/stderr captured. Console is process-wide, so calls are
/// serialised; thousands of fuzz cases would not fit CI's time as separate processes.
/// </summary>
public static class InProcessCli
{
    private static readonly object Gate = new();

    public static (int ExitCode, string StdOut, string StdErr) Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var o = new StringWriter();
            var e = new StringWriter();
            Console.SetOut(o);
            Console.SetError(e);
            try { return (Verbs.Run(args), o.ToString(), e.ToString()); }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
