using System.Diagnostics;
using System.Globalization;

namespace OnnxNorm.Bench;

/// <summary>Wall time and peak resident memory of one whole process, measured by GNU time.</summary>
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
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var parts = File.ReadAllLines(marker).Last().Split(' ');
        File.Delete(marker);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Trim()}");
        return new ProcessMeasurement(double.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), p.ExitCode, stdout);
    }

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
