using System.Globalization;
using OnnxNorm.Workflows.Statistics;
using F = OnnxNorm.Workflows.Statistics.StatsFormat;

namespace OnnxNorm.Cli.Statistics;

/// <summary>
/// The console summary of check-stats: the ranking, the worst channels of each flagged layer with every number
/// labelled by what it is (raw data, after upstream recalibration, running, judged), the small-batch analysis
/// and the commands that fix what was found. The ranking and the small-batch table are <see cref="PlainTable"/>s. Numbers go through <see cref="StatsFormat"/>, as in the HTML page.
/// </summary>
public static class StatsConsoleTable
{
    public static void Write(TextWriter o, StatsReport report, StatsAdvice advice, int topLayers, int topChannels)
    {
        var t = report.Thresholds;
        o.WriteLine($"{report.Layers.Count} BN layer(s), {report.Batches} batch(es), {report.Passes} pass(es); judged: shift > {F.Number(t.MaxMeanShift)}σ, var ratio outside [{F.Number(t.MinVarRatio)}, {F.Number(t.MaxVarRatio)}]"
            + (double.IsPositiveInfinity(t.MaxKl) ? "" : $", KL > {F.Number(t.MaxKl)}")
            + (report.RootCauseAnalysed ? "" : report.AnyFlagged ? "; root causes not analysed" : ""));
        var ranking = new PlainTable(">rank", "layer", ">level", ">score", ">own", ">flagged", "verdict");
        foreach (var l in report.Layers.Take(topLayers))
        {
            string own = l.OwnScore is double s ? F.Number(s) : "-";
            ranking.Row((ranking.RowCount + 1).ToString(CultureInfo.InvariantCulture), Trim(l.Node, 36), l.Level.ToString(CultureInfo.InvariantCulture),
                F.Number(l.Score), own, $"{l.FlaggedChannelCount}/{l.Channels.Count}", l.Verdict.Label());
        }
        ranking.WriteTo(o);
        var flaggedLayers = report.Layers.Take(topLayers).Where(l => l.Verdict != LayerVerdict.Ok).ToList();
        if (flaggedLayers.Count > 0)
            o.WriteLine($"worst channels: shift = |mean − running mean| / √(running var + ε), ratio = (var + ε) / (running var + ε), KL in nats; "
                + $"'{F.RawData}' is the layer's input as the model runs now, '{F.AfterUpstream}' with every upstream BN recalibrated to the data");
        foreach (var l in flaggedLayers)
        {
            o.WriteLine($"  {l.Node} ({l.Verdict.Label()}):");
            foreach (int ch in WorstChannels(l, topChannels))
            {
                var c = l.Channels[ch];
                o.WriteLine($"    ch {c.Index,4}  {F.Running,-29} mean {F.Number(c.RunningMean),10}  var {F.Number(c.RunningVar),10}");
                o.WriteLine($"             {F.RawData,-29} mean {F.Number(c.DataMean),10}  var {F.Number(c.DataVar),10}  | {F.Judged}: shift {F.Number(c.MeanShift),8}σ  ratio {F.Number(c.VarRatio),8}  KL {F.Number(c.Kl),8}  {(c.Flagged ? "flagged" : "")}");
                if (l.OwnChannels?[ch] is { } u)
                    o.WriteLine($"             {F.AfterUpstream,-29} mean {F.Number(u.DataMean),10}  var {F.Number(u.DataVar),10}  | {F.Judged}: shift {F.Number(u.MeanShift),8}σ  ratio {F.Number(u.VarRatio),8}  KL {F.Number(u.Kl),8}  {(u.Flagged ? "flagged" : "")}");
            }
        }
        if (report.SmallBatch is { } sb) WriteSmallBatch(o, report, sb, topLayers);
        foreach (var w in report.Warnings) o.WriteLine($"warning: {w}");
        foreach (var cmd in advice.Commands) o.WriteLine($"fix: {cmd}");
        if (advice.NormalisationNote is { } note) o.WriteLine($"note: {note}");
        string smallBatch = report.SmallBatch is { AnyFlagged: true } sbf ? $"; at batch size {sbf.BatchSize}, {sbf.FlaggedLayers.Count} layer(s) too noisy" : "";
        o.WriteLine((report.AnyFlagged
            ? $"result: {report.Layers.Count(l => l.Verdict != LayerVerdict.Ok)} layer(s) flagged, "
                + (report.RootCauseAnalysed ? $"{report.Layers.Count(l => l.RootCause)} wrong in themselves" : "root causes not analysed")
            : "result: clean: every layer's statistics fit the data") + smallBatch);
    }

    /// <summary>
    /// The channels to show for a flagged layer: those flagged as deployed or after upstream recalibration, the
    /// worst first (by the own badness for a layer wrong in itself, which is what is wrong with it).
    /// </summary>
    public static IEnumerable<int> WorstChannels(LayerStatistics l, int count)
    {
        bool own = l.RootCause && l.OwnChannels is not null;
        return l.Channels
            .Where(c => c.Flagged || (l.OwnChannels?[c.Index].Flagged ?? false))
            .OrderByDescending(c => own ? l.OwnChannels![c.Index].Badness : c.Badness)
            .ThenBy(c => c.Index)
            .Take(count)
            .Select(c => c.Index);
    }

    private static void WriteSmallBatch(TextWriter o, StatsReport report, SmallBatchSummary sb, int topLayers)
    {
        o.WriteLine($"small batches: batch size {sb.BatchSize}, from {sb.Samples} calibration samples; noise = root-mean-square error of the batch mean "
            + $"(in population σ) and of the batch variance (relative), median over channels; flagged when mean noise > {F.Number(sb.Thresholds.MaxMeanNoise)} or var noise > {F.Number(sb.Thresholds.MaxVarNoise)}");
        var table = new PlainTable("layer", ">mean noise", ">var noise", ">safe batch", "");
        foreach (var l in report.Layers.Where(l => l.SmallBatch is not null).OrderByDescending(l => l.SmallBatch!.Flagged).ThenBy(l => l.Ordinal).Take(Math.Max(topLayers, sb.FlaggedLayers.Count)))
        {
            var s = l.SmallBatch!;
            table.Row(Trim(l.Node, 36), F.Number(s.MeanNoise), F.Number(s.VarNoise),
                s.SafeBatchSize?.ToString(CultureInfo.InvariantCulture) ?? ">" + SmallBatchAnalysis.LargestBatchSize, s.Flagged ? "flagged" : "ok");
        }
        table.WriteTo(o, indent: "  ");
        o.WriteLine(sb.SmallestSafeBatchSize is int b
            ? $"smallest batch size at which no layer is flagged: {b}"
            : $"smallest batch size at which no layer is flagged: above {SmallBatchAnalysis.LargestBatchSize}");
        o.WriteLine(sb.AnyFlagged
            ? $"small batches: {sb.FlaggedLayers.Count} layer(s) flagged at batch size {sb.BatchSize}"
            : $"small batches: no layer flagged at batch size {sb.BatchSize}");
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
