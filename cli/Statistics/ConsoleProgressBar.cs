using System.Diagnostics;
using OnnxNorm.Cli;

namespace OnnxNorm.Cli.Statistics;

/// <summary>
/// Progress on stderr for long data passes. On a terminal it redraws one line; when stderr is a file or a
/// pipe it stays silent for the first few seconds (short runs and tests stay clean) and then writes a plain
/// line at most every few seconds, so logs of long runs still show that work goes on.
/// </summary>
public sealed class ConsoleProgressBar
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private TimeSpan _lastLine = TimeSpan.Zero;
    private bool _drawn;

    public void Report(string phase, int done, int total)
    {
        var now = _clock.Elapsed;
        if (_terminal)
        {
            int width = 30;
            int filled = total == 0 ? width : (int)((long)width * done / total);
            EscapingWriter.Raw(Console.Error).Write($"\r{phase,-14} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} files  {now:mm\\:ss}");
            _drawn = true;
            if (done == total) { Console.Error.WriteLine(); _drawn = false; }
            return;
        }
        if (now < QuietPeriod || now - _lastLine < QuietPeriod) return;
        _lastLine = now;
        Console.Error.WriteLine($"{phase}: {done}/{total} files ({now:mm\\:ss})");
    }

    public void Finish()
    {
        if (_drawn) Console.Error.WriteLine();
        _drawn = false;
    }
}
