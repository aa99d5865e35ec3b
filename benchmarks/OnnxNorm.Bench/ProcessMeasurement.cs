using System.Diagnostics;
using System.Globalization;

namespace OnnxNorm.Bench;

/// <summary>
/// Wall time (Stopwatch around the whole process, millisecond resolution) and peak resident memory (GNU
/// time's %M) of one process.
/// </summary>
public readonly record struct ProcessMeasurement(double Seconds, long PeakKiB, int ExitCode, string StdOut)
{
    public const string TimeTool = "/usr/bin/time";

    public static ProcessMeasurement Run(string program, params string[] args)
    {
        if (!File.Exists(TimeTool)) throw new InvalidOperationException($"{TimeTool} is missing: apt-get install time");
        string marker = Path.GetTempFileName();
        var psi = new ProcessStartInfo(TimeTool) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("%e %M");
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(marker);
        psi.ArgumentList.Add(program);
        foreach (var a in args) psi.ArgumentList.Add(a);
        long start = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        string stdout = stdoutTask.Result, stderr = stderrTask.Result;
        var parts = File.ReadAllLines(marker).Last().Split(' ');
        File.Delete(marker);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Trim()}");
        return new ProcessMeasurement(seconds, long.Parse(parts[1], CultureInfo.InvariantCulture), p.ExitCode, stdout);
    }

    /// <summary>
    /// Runs two commands alternately K times each, so both see the same machine state (a noisy neighbour
    /// slows both, not one), and keeps each one's median time and median peak memory.
    /// </summary>
    public static (ProcessMeasurement A, ProcessMeasurement B) MedianInterleaved(int repeat,
        (string Program, string[] Args) a, (string Program, string[] Args) b)
    {
        var ra = new List<ProcessMeasurement>();
        var rb = new List<ProcessMeasurement>();
        for (int i = 0; i < repeat; i++)
        {
            ra.Add(Run(a.Program, a.Args));
            rb.Add(Run(b.Program, b.Args));
        }
        return (Summarize(ra), Summarize(rb));
    }

    private static ProcessMeasurement Summarize(List<ProcessMeasurement> runs) =>
        new(Stats.Median(runs.Select(r => r.Seconds)), (long)Stats.Median(runs.Select(r => (double)r.PeakKiB)), 0, runs[^1].StdOut);

    /// <summary>Runs K times and keeps the median time and the median peak memory.</summary>
    public static ProcessMeasurement Median(int repeat, string program, params string[] args)
    {
        var runs = Enumerable.Range(0, repeat).Select(_ => Run(program, args)).ToList();
        double t = Stats.Median(runs.Select(r => r.Seconds));
        long m = (long)Stats.Median(runs.Select(r => (double)r.PeakKiB));
        return new ProcessMeasurement(t, m, 0, runs[^1].StdOut);
    }
}

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
