using System.Net;
using System.Text;
using F = OnnxNorm.Workflows.Statistics.StatsFormat;

namespace OnnxNorm.Workflows.Statistics.Html;

/// <summary>
/// One BN layer in the HTML report: the judged measures per channel against their thresholds, running vs
/// data mean and variance per channel, and the table of flagged channels with their numbers. Rows and cells
/// carry data-layer / data-channel / data-field attributes, so a reader's tools (and the browser test) can
/// find a number by what it is.
/// </summary>
internal static class HtmlLayerSection
{
    private static readonly SvgScatter.Series Raw = new(F.RawData, SvgScatter.Marker.Filled, "#444");
    private static readonly SvgScatter.Series Own = new(F.AfterUpstream, SvgScatter.Marker.Diamond, "#7a3db8");
    private static readonly SvgScatter.Series Running = new(F.Running, SvgScatter.Marker.Hollow, "#2a6fdb");

    public static string Render(LayerStatistics l, MismatchThresholds t)
    {
        var sb = new StringBuilder();
        bool open = l.Verdict != LayerVerdict.Ok;
        sb.Append($"<details class=\"layer\" id=\"l{l.Ordinal}\" data-layer=\"{Enc(l.Node)}\"{(open ? " open" : "")}><summary><b>{Enc(l.Node)}</b> ")
          .Append($"<span class=\"verdict v-{l.Verdict.Id()}\">{Enc(l.Verdict.Label())}</span> — level {l.Level}, score {F.Number(l.Score)}")
          .Append(l.OwnScore is double o ? $", own score {F.Number(o)}" : "")
          .Append($", {l.FlaggedChannelCount}/{l.Channels.Count} channels flagged</summary>");
        if (l.SmallBatch is { } s)
            sb.Append($"<p class=\"smallbatch\">batch size {s.BatchSize}: mean noise {F.Number(s.MeanNoise)}, var noise {F.Number(s.VarNoise)} (median over channels){(s.Flagged ? " — <b class=\"bad\">too noisy</b>" : "")}; safe from batch size {(s.SafeBatchSize?.ToString() ?? "above " + SmallBatchAnalysis.LargestBatchSize)}.</p>");
        sb.Append(FlaggedTable(l));
        sb.Append("<div class=\"charts\">");
        sb.Append(ShiftChart(l, t)).Append(RatioChart(l, t)).Append(MeanChart(l, t)).Append(VarChart(l, t));
        sb.Append("</div></details>");
        return sb.ToString();
    }

    private static bool ShiftFlags(ChannelMismatch c, MismatchThresholds t) => !(c.MeanShift <= t.MaxMeanShift);

    private static bool RatioFlags(ChannelMismatch c, MismatchThresholds t) => !(c.VarRatio >= t.MinVarRatio && c.VarRatio <= t.MaxVarRatio);

    private static string ShiftChart(LayerStatistics l, MismatchThresholds t)
    {
        var values = l.Channels.Select(c => c.MeanShift).Concat(l.OwnChannels?.Select(c => c.MeanShift) ?? []).Append(0).Append(t.MaxMeanShift * 1.1);
        var chart = new SvgScatter($"{F.Judged}: mean shift per channel", "channel", "shift (running σ)", AxisScale.Indices(l.Channels.Count), AxisScale.Linear(values))
            .Threshold(t.MaxMeanShift, $"threshold {F.Number(t.MaxMeanShift)}");
        foreach (var c in l.Channels)
            chart.Add(Raw, c.Index, c.MeanShift, ShiftFlags(c, t), $"channel {c.Index}, {F.RawData}: shift {F.Number(c.MeanShift)}σ");
        foreach (var c in l.OwnChannels ?? [])
            chart.Add(Own, c.Index, c.MeanShift, ShiftFlags(c, t), $"channel {c.Index}, {F.AfterUpstream}: shift {F.Number(c.MeanShift)}σ");
        return chart.Render();
    }

    private static string RatioChart(LayerStatistics l, MismatchThresholds t)
    {
        var values = l.Channels.Select(c => c.VarRatio).Concat(l.OwnChannels?.Select(c => c.VarRatio) ?? []).Append(t.MinVarRatio).Append(t.MaxVarRatio);
        var chart = new SvgScatter($"{F.Judged}: variance ratio per channel (log scale)", "channel", "(var + ε) / (running var + ε)", AxisScale.Indices(l.Channels.Count), AxisScale.Log(values))
            .Threshold(t.MinVarRatio, $"threshold {F.Number(t.MinVarRatio)}").Threshold(t.MaxVarRatio, $"threshold {F.Number(t.MaxVarRatio)}");
        foreach (var c in l.Channels)
            chart.Add(Raw, c.Index, c.VarRatio, RatioFlags(c, t), $"channel {c.Index}, {F.RawData}: ratio {F.Number(c.VarRatio)}");
        foreach (var c in l.OwnChannels ?? [])
            chart.Add(Own, c.Index, c.VarRatio, RatioFlags(c, t), $"channel {c.Index}, {F.AfterUpstream}: ratio {F.Number(c.VarRatio)}");
        return chart.Render();
    }

    private static string MeanChart(LayerStatistics l, MismatchThresholds t)
    {
        var values = l.Channels.SelectMany(c => new[] { c.RunningMean, c.DataMean }).Concat(l.OwnChannels?.Select(c => c.DataMean) ?? []);
        var chart = new SvgScatter("mean per channel: running vs data (red: mean shift flagged)", "channel", "mean", AxisScale.Indices(l.Channels.Count), AxisScale.Linear(values));
        foreach (var c in l.Channels)
        {
            chart.Add(Running, c.Index, c.RunningMean, false, $"channel {c.Index}, {F.Running}: mean {F.Number(c.RunningMean)}");
            chart.Add(Raw, c.Index, c.DataMean, ShiftFlags(c, t), $"channel {c.Index}, {F.RawData}: mean {F.Number(c.DataMean)}");
        }
        foreach (var c in l.OwnChannels ?? [])
            chart.Add(Own, c.Index, c.DataMean, ShiftFlags(c, t), $"channel {c.Index}, {F.AfterUpstream}: mean {F.Number(c.DataMean)}");
        return chart.Render();
    }

    private static string VarChart(LayerStatistics l, MismatchThresholds t)
    {
        var values = l.Channels.SelectMany(c => new[] { c.RunningVar, c.DataVar }).Concat(l.OwnChannels?.Select(c => c.DataVar) ?? []);
        var chart = new SvgScatter("variance per channel: running vs data, log scale (red: variance ratio flagged)", "channel", "variance", AxisScale.Indices(l.Channels.Count), AxisScale.Log(values, 1e-12));
        foreach (var c in l.Channels)
        {
            chart.Add(Running, c.Index, c.RunningVar, false, $"channel {c.Index}, {F.Running}: var {F.Number(c.RunningVar)}");
            chart.Add(Raw, c.Index, c.DataVar, RatioFlags(c, t), $"channel {c.Index}, {F.RawData}: var {F.Number(c.DataVar)}");
        }
        foreach (var c in l.OwnChannels ?? [])
            chart.Add(Own, c.Index, c.DataVar, RatioFlags(c, t), $"channel {c.Index}, {F.AfterUpstream}: var {F.Number(c.DataVar)}");
        return chart.Render();
    }

    private static string FlaggedTable(LayerStatistics l)
    {
        var rows = l.Channels.Where(c => c.Flagged || (l.OwnChannels?[c.Index].Flagged ?? false)).ToList();
        if (rows.Count == 0) return "<p>No channel flagged.</p>";
        bool own = l.OwnChannels is not null;
        var sb = new StringBuilder();
        sb.Append("<table class=\"channels\"><thead><tr><th rowspan=\"2\">channel</th>")
          .Append($"<th colspan=\"2\">{F.Running}</th><th colspan=\"2\">{F.RawData}</th><th colspan=\"4\">{F.Judged} ({F.RawData})</th>");
        if (own) sb.Append($"<th colspan=\"2\">{F.AfterUpstream}</th><th colspan=\"4\">{F.Judged} ({F.AfterUpstream})</th>");
        sb.Append("</tr><tr><th>mean</th><th>var</th><th>mean</th><th>var</th><th>shift (σ)</th><th>var ratio</th><th>KL</th><th>flagged</th>");
        if (own) sb.Append("<th>mean</th><th>var</th><th>shift (σ)</th><th>var ratio</th><th>KL</th><th>flagged</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var c in rows)
        {
            sb.Append($"<tr class=\"flagged-channel\" data-layer=\"{Enc(l.Node)}\" data-channel=\"{c.Index}\"><td data-field=\"index\">{c.Index}</td>");
            sb.Append(Cell("runningMean", c.RunningMean)).Append(Cell("runningVar", c.RunningVar))
              .Append(Cell("dataMean", c.DataMean)).Append(Cell("dataVar", c.DataVar))
              .Append(Cell("meanShift", c.MeanShift)).Append(Cell("varRatio", c.VarRatio)).Append(Cell("kl", c.Kl))
              .Append($"<td data-field=\"flagged\" class=\"{(c.Flagged ? "bad" : "")}\">{(c.Flagged ? "yes" : "no")}</td>");
            if (l.OwnChannels?[c.Index] is { } u)
                sb.Append(Cell("ownDataMean", u.DataMean)).Append(Cell("ownDataVar", u.DataVar))
                  .Append(Cell("ownMeanShift", u.MeanShift)).Append(Cell("ownVarRatio", u.VarRatio)).Append(Cell("ownKl", u.Kl))
                  .Append($"<td data-field=\"ownFlagged\" class=\"{(u.Flagged ? "bad" : "")}\">{(u.Flagged ? "yes" : "no")}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        return sb.ToString();
    }

    private static string Cell(string field, double v) => $"<td data-field=\"{field}\">{F.Number(v)}</td>";

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
