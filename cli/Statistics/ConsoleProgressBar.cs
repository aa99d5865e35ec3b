using System.Diagnostics;
using Spectre.Console;

namespace OnnxNorm.Cli.Statistics;

/// <summary>
/// Progress on stderr for long data passes. On a terminal it is a Spectre.Console progress bar, redrawn in
/// place while the work runs; when stderr is a file or a pipe it stays silent for the first few seconds (short
/// runs and tests stay clean) and then writes a plain line at most every few seconds, so logs of long runs still
/// show that work goes on.
/// </summary>
public static class ConsoleProgressBar
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="work"/>, giving it the callback that reports (phase, files done, files in all).</summary>
    public static T Run<T>(Func<Action<string, int, int>, T> work)
    {
        if (Console.IsErrorRedirected) return work(LogLines());
        // The raw stderr stream: the display draws with cursor movements that the escaping writer would print
        // as text. Only our own phase names and counts go through it.
        using var rawError = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(rawError),
        });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new FilesColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var gate = new object();
                ProgressTask? bar = null;
                return work((phase, done, total) =>
                {
                    lock (gate)
                    {
                        bar ??= ctx.AddTask(Markup.Escape(phase), maxValue: 1);
                        // The phase is ours, not a model's, but the description is markup: escape it all the same.
                        bar.Description = Markup.Escape(phase);
                        bar.MaxValue = Math.Max(total, 1);
                        bar.Value = total == 0 ? 1 : done;
                    }
                });
            });
    }

    private static Action<string, int, int> LogLines()
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var gate = new object();
        return (phase, done, total) =>
        {
            lock (gate)
            {
                var now = clock.Elapsed;
                if (now < QuietPeriod || now - last < QuietPeriod) return;
                last = now;
                Console.Error.WriteLine($"{phase}: {done}/{total} files ({now:mm\\:ss})");
            }
        };
    }
}
