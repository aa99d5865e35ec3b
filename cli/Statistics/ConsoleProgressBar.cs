using System.Diagnostics;
using Spectre.Console;

namespace OnnxNorm.Cli.Statistics;

/// <summary>
/// Progress on stderr for long data passes. On a terminal it is a Spectre.Console progress bar, redrawn in
/// place; when stderr is a file or a pipe it stays silent for the first few seconds (short runs and tests stay
/// clean) and then writes a plain line at most every few seconds, so logs of long runs still show that work goes on.
/// </summary>
public sealed class ConsoleProgressBar
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ProgressTask> _bar = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _display;
    private TimeSpan _lastLine = TimeSpan.Zero;

    public void Report(string phase, int done, int total)
    {
        if (_terminal)
        {
            var bar = Bar();
            // The phase is ours, not a model's, but the description is markup: escape it all the same.
            bar.Description = Markup.Escape(phase);
            bar.MaxValue = Math.Max(total, 1);
            bar.Value = total == 0 ? 1 : done;
            return;
        }
        var now = _clock.Elapsed;
        if (now < QuietPeriod || now - _lastLine < QuietPeriod) return;
        _lastLine = now;
        Console.Error.WriteLine($"{phase}: {done}/{total} files ({now:mm\\:ss})");
    }

    public void Finish()
    {
        if (_display is null) return;
        _finished.TrySetResult();
        _display.GetAwaiter().GetResult();
        _display = null;
    }

    /// <summary>Starts the live display on first use; it draws on its own thread until <see cref="Finish"/>.</summary>
    private ProgressTask Bar()
    {
        if (_display is null)
        {
            // The raw stderr: the display draws with cursor movements that the escaping writer would print as text.
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Detect,
                Interactive = InteractionSupport.Yes,
                Out = new AnsiConsoleOutput(EscapingWriter.Raw(Console.Error)),
            });
            _display = console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new FilesColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    _bar.TrySetResult(ctx.AddTask("", maxValue: 1));
                    await _finished.Task;
                });
        }
        return _bar.Task.GetAwaiter().GetResult();
    }
}
