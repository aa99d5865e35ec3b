using System.CommandLine;
using OnnxNorm.Graph;

namespace OnnxNorm.Cli;

/// <summary>
/// The error contract of every verb: bad input or usage prints one line and exits 2; a bug prints one
/// line and exits 70, so fuzzing can tell the two apart. No stack trace reaches the user.
/// </summary>
public static class CliRunner
{
    public const int Ok = 0;
    public const int CheckFailed = 1;
    public const int BadInput = 2;
    public const int InternalError = 70;

    public static int Invoke(RootCommand root, string[] args)
    {
        ParseResult parse;
        try { parse = root.Parse(args); }
        catch (Exception e) { return Fail(BadInput, $"error: {OneLine(e.Message)}"); }
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors.Take(1)) Console.Error.WriteLine($"onnxnorm: error: {OneLine(e.Message)}");
            Console.Error.WriteLine("Run 'onnxnorm --help' for usage.");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Handle(e);
        }
    }

    /// <summary>Runs a command body with the error contract.</summary>
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) { return Handle(e); }
    }

    private static int Handle(Exception e)
    {
        switch (e)
        {
            case BadInputException b: return Fail(BadInput, $"error: {OneLine(b.Message)}");
            case OutOfMemoryException: return Fail(BadInput, "error: out of memory (the model or data is too large for this machine)");
            case AggregateException { InnerExceptions.Count: 1 } a: return Handle(a.InnerExceptions[0]);
            default:
                if (e.InnerException is BadInputException inner) return Handle(inner);
                if (Environment.GetEnvironmentVariable("ONNXNORM_DEBUG") == "1") Console.Error.WriteLine(e);
                return Fail(InternalError, $"internal error: {e.GetType().Name}: {OneLine(e.Message)} (set ONNXNORM_DEBUG=1 for details)");
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"onnxnorm: {message}");
        return code;
    }

    public static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
