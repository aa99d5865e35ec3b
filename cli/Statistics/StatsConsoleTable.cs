using OnnxNorm.Runtime.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>The console summary of check-stats: the worst layers, and the worst channels of each.</summary>
public static class StatsConsoleTable
{
    public static void Write(TextWriter o, StatsReport report, int topLayers, int topChannels)
    {
        var t = report.Thresholds;
        o.WriteLine($"{report.Layers.Count} BN layer(s), {report.Batches} batch(es), {report.Passes} pass(es); thresholds: shift > {t.MaxMeanShift}, var ratio outside [{t.MinVarRatio}, {t.MaxVarRatio}]"
            + (double.IsPositiveInfinity(t.MaxKl) ? "" : $", KL > {t.MaxKl}"));
        o.WriteLine($"{"rank",4}  {"layer",-36} {"level",5} {"score",8} {"own",8} {"flagged",9}  verdict");
        int rank = 0;
        foreach (var l in report.Layers.Take(topLayers))
        {
            rank++;
            string verdict = l.RootCause ? "WRONG ITSELF" : l.Inherited ? "inherits drift" : l.Flagged ? "flagged" : "ok";
            string own = l.OwnScore is double s ? s.ToString("0.00") : "-";
            o.WriteLine($"{rank,4}  {Trim(l.Node, 36),-36} {l.Level,5} {l.Score,8:0.00} {own,8} {l.FlaggedChannelCount,4}/{l.Channels.Count,-4}  {verdict}");
        }
        foreach (var l in report.Layers.Take(topLayers).Where(l => l.Flagged || l.RootCause))
        {
            o.WriteLine($"  {l.Node}: worst channels");
            var channels = (l.RootCause && l.OwnChannels is not null ? l.OwnChannels : l.Channels)
                .Where(c => c.Flagged).OrderByDescending(c => c.Badness).Take(topChannels);
            foreach (var c in channels)
                o.WriteLine($"    ch {c.Index,4}  data mean {c.DataMean,10:G4} var {c.DataVar,10:G4} | running mean {c.RunningMean,10:G4} var {c.RunningVar,10:G4} | shift {c.MeanShift,6:0.00}σ ratio {c.VarRatio,7:0.###} KL {c.Kl,7:0.###}");
        }
        foreach (var w in report.Warnings) o.WriteLine($"warning: {w}");
        o.WriteLine(report.AnyFlagged
            ? $"result: {report.Layers.Count(l => l.Flagged || l.RootCause)} layer(s) flagged, {report.Layers.Count(l => l.RootCause)} wrong in themselves"
            : "result: clean: every layer's statistics fit the data");
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
