using System.CommandLine;
using OnnxNorm.Ir;

namespace OnnxNorm.Cli;

/// <summary>
/// The error contract of every verb: bad input or usage prints one line and exits 2; a bug prints one
/// line and exits 70, so fuzzing can tell the two apart. No stack trace reaches the user. Everything
/// printed passes <see cref="EscapingWriter"/>; signals remove the run's temp files (<see cref="Cancellation"/>).
/// </summary>
public static class CliRunner
{
    public const int Ok = 0;
    public const int CheckFailed = 1;
    public const int BadInput = 2;
    public const int InternalError = 70;

    public static int Invoke(RootCommand root, string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        if (oldOut is not EscapingWriter) Console.SetOut(new EscapingWriter(oldOut));
        if (oldErr is not EscapingWriter) Console.SetError(new EscapingWriter(oldErr));
        RunFiles.Reset();
        try
        {
            using var cancellation = Cancellation.Install();
            return InvokeParsed(root, args);
        }
        finally
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static int InvokeParsed(RootCommand root, string[] args)
    {
        ParseResult parse;
        try { parse = root.Parse(args); }
        catch (Exception e) { return Fail(BadInput, $"error: {OneLine(e.Message)}"); }
        if (parse.Errors.Count > 0) return Fail(BadInput, $"error: {UsageError(root, args, parse)} (run 'onnxnorm --help' for usage)");
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Handle(e);
        }
    }

    /// <summary>The one usage error to show: an unknown verb is named as such, not as "command not provided".</summary>
    private static string UsageError(RootCommand root, string[] args, ParseResult parse)
    {
        var verbs = root.Subcommands.Select(c => c.Name).ToList();
        if (args.Length == 0) return $"no verb given (verbs: {string.Join(", ", verbs)})";
        if (!args[0].StartsWith('-') && !verbs.Contains(args[0]))
            return $"unknown verb '{OneLine(args[0])}' (verbs: {string.Join(", ", verbs)})";
        return OneLine(parse.Errors[0].Message);
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
            case OutOfMemoryException or InsufficientExecutionStackException:
                return Fail(BadInput, "error: out of memory (the model or data is too large for this machine)");
            case OperationCanceledException: return Fail(130, "interrupted");
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

    public static string OneLine(string s) => TerminalText.OneLine(s);
}
