using System.Net;
using System.Text;
using OnnxNorm.Workflows.Statistics.Html;
using F = OnnxNorm.Workflows.Statistics.StatsFormat;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// The check-stats report as one self-contained HTML page: no scripts, no external files, nothing fetched.
/// In reading order: the verdict and the commands that fix it, a network overview (score per layer in depth
/// order, flagged layers red, root causes ringed), the ranking, the small-batch analysis when asked for, then
/// per layer the judged measures per channel against their thresholds, running vs data statistics, and the
/// flagged channels with their numbers. Numbers print through <see cref="StatsFormat"/>, as on the console.
/// </summary>
public static class StatsHtmlReport
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:1.5em 2em;color:#222;max-width:1500px}"
        + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums}"
        + "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}.bad{color:#c00;font-weight:bold}"
        + ".v-wrongItself{color:#c00;font-weight:bold}.v-inheritsDrift{color:#a60}.v-flaggedNotAnalysed{color:#c00}.v-ok{color:#286}"
        + "svg.chart{background:#fcfcfc;border:1px solid #ddd;margin:4px}.charts{display:flex;flex-wrap:wrap}"
        + "pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}details.layer{border-top:1px solid #ddd;padding:.4em 0}summary{cursor:pointer;font-size:1.05em}"
        + "#ranking td:nth-child(2),#small-batch-table td:first-child{text-align:left}.warn{color:#a60}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:bold}";

    /// <summary>The self-contained HTML report of <paramref name="report"/>.</summary>
    public static string Render(StatsReport report, string modelLabel, StatsAdvice advice)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
          .Append("<title>check-stats: ").Append(Enc(modelLabel)).Append("</title><style>").Append(Style).Append("</style></head><body>");
        sb.Append("<h1>BatchNorm statistics: ").Append(Enc(modelLabel)).Append("</h1>");
        Summary(sb, report);
        Fixes(sb, advice);
        Measures(sb, report.Thresholds);
        foreach (var w in report.Warnings) sb.Append("<p class=\"warn\">warning: ").Append(Enc(w)).Append("</p>");
        if (report.Layers.Count > 0)
        {
            sb.Append("<h2>Network overview</h2>").Append(Overview(report));
            Ranking(sb, report);
        }
        if (report.SmallBatch is { } small) SmallBatch(sb, report, small);
        if (report.Layers.Count > 0)
        {
            sb.Append("<h2>Layers</h2><p>Flagged layers are open; click a layer to open or close it. Hover over a point for its numbers.</p>");
            foreach (var l in report.Layers) sb.Append(HtmlLayerSection.Render(l, report.Thresholds));
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, StatsReport report)
    {
        int flagged = report.Layers.Count(l => l.Verdict != LayerVerdict.Ok);
        sb.Append("<p id=\"result\">");
        if (!report.AnyFlagged) sb.Append("<b>Clean</b>: every layer's statistics fit the data.");
        else
            sb.Append($"<b class=\"bad\">{flagged} of {report.Layers.Count} layer(s) flagged</b>, ")
              .Append(report.RootCauseAnalysed ? $"{report.Layers.Count(l => l.RootCause)} wrong in themselves (the rest inherit drift from them)." : "root causes not analysed (--no-root-cause).");
        sb.Append($" {report.Batches} batches, {report.Passes} pass(es) over the data.");
        if (report.SmallBatch is { } s)
            sb.Append(s.AnyFlagged
                ? $" <b class=\"bad\">At batch size {s.BatchSize}, {s.FlaggedLayers.Count} layer(s) normalise by too noisy batch statistics</b> (see <a href=\"#small-batch\">small batches</a>)."
                : $" At batch size {s.BatchSize} no layer's batch statistics are too noisy.");
        sb.Append("</p>");
    }

    private static void Fixes(StringBuilder sb, StatsAdvice advice)
    {
        if (!advice.Commands.Any() && advice.NormalisationNote is null) return;
        sb.Append("<h2>How to fix it</h2>");
        if (advice.Recalibrate is { } r)
            sb.Append("<p>Re-estimate every BN layer's running statistics from this data (upstream layers first):</p><pre class=\"fix\">").Append(Enc(r)).Append("</pre>");
        if (advice.FreezeBn is { } f)
            sb.Append("<p>Keep the running statistics of the layers whose batch statistics are too noisy (freeze them for fine-tuning):</p><pre class=\"fix\">").Append(Enc(f)).Append("</pre>");
        if (advice.NormalisationNote is { } n) sb.Append("<p>").Append(Enc(n)).Append("</p>");
    }

    private static void Measures(StringBuilder sb, MismatchThresholds t)
    {
        sb.Append("<h2>What the numbers are</h2><dl>")
          .Append($"<dt>{F.Running}</dt><dd>the mean and variance the layer stored in training and normalises by at inference.</dd>")
          .Append($"<dt>{F.RawData}</dt><dd>the mean and variance of the layer's input on your data, with the model as it runs now.</dd>")
          .Append($"<dt>{F.AfterUpstream}</dt><dd>the same with every BN layer upstream recalibrated to the data: what is left is this layer's own error.</dd>")
          .Append($"<dt>{F.Judged}: mean shift</dt><dd>|mean − running mean| / √(running var + ε), in running standard deviations; flagged above {F.Number(t.MaxMeanShift)}.</dd>")
          .Append($"<dt>{F.Judged}: variance ratio</dt><dd>(var + ε) / (running var + ε); flagged outside [{F.Number(t.MinVarRatio)}, {F.Number(t.MaxVarRatio)}].</dd>")
          .Append("<dt>KL</dt><dd>KL(N(mean, var + ε) ‖ N(running mean, running var + ε)) in nats" + (double.IsPositiveInfinity(t.MaxKl) ? " (reported, not judged)" : $"; flagged above {F.Number(t.MaxKl)}") + ".</dd>")
          .Append("<dt>score</dt><dd>a layer's worst channel: the largest measure divided by its threshold (the ratio on a log scale); above 1 is flagged.</dd></dl>");
    }

    /// <summary>Score per layer in depth order (BN level, then file order); red when flagged, ringed when wrong itself.</summary>
    private static string Overview(StatsReport report)
    {
        var inDepthOrder = report.Layers.OrderBy(l => l.Level).ThenBy(l => l.Ordinal).ToList();
        var scores = inDepthOrder.Select(l => l.Score).Append(1.0).Append(0.01);
        var chart = new SvgScatter("score per layer, in depth order (log scale" + (report.RootCauseAnalysed ? "; ringed: wrong itself)" : "; root causes not analysed)"), "BN layer (input side left)", "score (1 = threshold)",
            AxisScale.Indices(inDepthOrder.Count, 12), AxisScale.Log(scores, 1e-3), width: Math.Clamp(120 + 18 * inDepthOrder.Count, 640, 1300), height: 270);
        chart.Threshold(1, "threshold 1");
        var layerSeries = new SvgScatter.Series("layer score", SvgScatter.Marker.Filled, "#444");
        for (int i = 0; i < inDepthOrder.Count; i++)
        {
            var l = inDepthOrder[i];
            chart.Add(layerSeries, i, Math.Max(l.Score, 1e-3), l.Verdict != LayerVerdict.Ok,
                $"{l.Node}: score {F.Number(l.Score)}, {l.Verdict.Label()}", ring: l.Verdict == LayerVerdict.WrongItself);
        }
        if (inDepthOrder.Count <= 80) chart.XNames(ShortNames(inDepthOrder.Select(l => l.Node).ToList()));
        return chart.Render();
    }

    private static void Ranking(StringBuilder sb, StatsReport report)
    {
        sb.Append("<h2>Ranking</h2><p>Layers wrong in themselves first, then the other flagged layers, then the rest.</p>")
          .Append("<table id=\"ranking\"><thead><tr><th>rank</th><th>layer</th><th>level</th><th>score</th><th>own score</th><th>flagged channels</th><th>verdict</th></tr></thead><tbody>");
        int rank = 0;
        foreach (var l in report.Layers)
        {
            rank++;
            sb.Append($"<tr data-layer=\"{Enc(l.Node)}\"><td>{rank}</td><td><a href=\"#l{l.Ordinal}\">{Enc(l.Node)}</a></td><td>{l.Level}</td>")
              .Append($"<td data-field=\"score\">{F.Number(l.Score)}</td><td data-field=\"ownScore\">{(l.OwnScore is double o ? F.Number(o) : "")}</td>")
              .Append($"<td>{l.FlaggedChannelCount}/{l.Channels.Count}</td><td class=\"verdict v-{l.Verdict.Id()}\" data-field=\"verdict\">{Enc(l.Verdict.Label())}</td></tr>");
        }
        sb.Append("</tbody></table>");
    }

    private static void SmallBatch(StringBuilder sb, StatsReport report, SmallBatchSummary s)
    {
        sb.Append($"<h2 id=\"small-batch\">Small batches: batch size {s.BatchSize}</h2>")
          .Append($"<p>How far a training-mode BN's batch mean and batch variance stray from the population at batch size {s.BatchSize}, estimated from each of the {s.Samples} calibration samples' own mean and variance per channel: ")
          .Append($"mean noise is the root-mean-square error of the batch mean in population standard deviations, var noise that of the batch variance relative to the population variance, each the median over the layer's channels. ")
          .Append($"A layer is flagged when mean noise &gt; {F.Number(s.Thresholds.MaxMeanNoise)} or var noise &gt; {F.Number(s.Thresholds.MaxVarNoise)}.</p>");
        sb.Append("<p id=\"smallest-batch\"><b>Smallest batch size at which no layer is flagged: ")
          .Append(s.SmallestSafeBatchSize is int b ? b.ToString() : $"above {SmallBatchAnalysis.LargestBatchSize}").Append("</b>. ")
          .Append(s.AnyFlagged ? $"<span class=\"bad\">{s.FlaggedLayers.Count} layer(s) flagged at batch size {s.BatchSize}.</span>" : $"No layer flagged at batch size {s.BatchSize}.").Append("</p>");
        var inDepthOrder = report.Layers.Where(l => l.SmallBatch is not null).OrderBy(l => l.Level).ThenBy(l => l.Ordinal).ToList();
        var meanSeries = new SvgScatter.Series("mean noise", SvgScatter.Marker.Filled, "#444");
        var varSeries = new SvgScatter.Series("var noise", SvgScatter.Marker.Diamond, "#2a6fdb");
        var values = inDepthOrder.SelectMany(l => new[] { l.SmallBatch!.MeanNoise, l.SmallBatch.VarNoise }).Append(s.Thresholds.MaxMeanNoise).Append(s.Thresholds.MaxVarNoise);
        var chart = new SvgScatter($"batch-statistics noise per layer at batch size {s.BatchSize}, in depth order (log scale)", "BN layer (input side left)", "noise (median over channels)",
            AxisScale.Indices(inDepthOrder.Count, 12), AxisScale.Log(values, 1e-4), width: Math.Clamp(120 + 18 * inDepthOrder.Count, 640, 1300), height: 270)
            .Threshold(s.Thresholds.MaxMeanNoise, $"mean-noise threshold {F.Number(s.Thresholds.MaxMeanNoise)}")
            .Threshold(s.Thresholds.MaxVarNoise, $"var-noise threshold {F.Number(s.Thresholds.MaxVarNoise)}");
        for (int i = 0; i < inDepthOrder.Count; i++)
        {
            var r = inDepthOrder[i].SmallBatch!;
            chart.Add(meanSeries, i, r.MeanNoise, r.MeanNoise > s.Thresholds.MaxMeanNoise, $"{inDepthOrder[i].Node}: mean noise {F.Number(r.MeanNoise)}");
            chart.Add(varSeries, i, r.VarNoise, r.VarNoise > s.Thresholds.MaxVarNoise, $"{inDepthOrder[i].Node}: var noise {F.Number(r.VarNoise)}");
        }
        if (inDepthOrder.Count <= 80) chart.XNames(ShortNames(inDepthOrder.Select(l => l.Node).ToList()));
        sb.Append(chart.Render());
        sb.Append("<table id=\"small-batch-table\"><thead><tr><th>layer</th><th>mean noise</th><th>var noise</th><th>safe from batch size</th><th>at batch size ")
          .Append(s.BatchSize).Append("</th></tr></thead><tbody>");
        foreach (var l in inDepthOrder)
        {
            var r = l.SmallBatch!;
            sb.Append($"<tr data-layer=\"{Enc(l.Node)}\"><td>{Enc(l.Node)}</td><td data-field=\"meanNoise\">{F.Number(r.MeanNoise)}</td><td data-field=\"varNoise\">{F.Number(r.VarNoise)}</td>")
              .Append($"<td data-field=\"safeBatchSize\">{(r.SafeBatchSize?.ToString() ?? "above " + SmallBatchAnalysis.LargestBatchSize)}</td>")
              .Append($"<td data-field=\"flagged\" class=\"{(r.Flagged ? "bad" : "")}\">{(r.Flagged ? "flagged" : "ok")}</td></tr>");
        }
        sb.Append("</tbody></table>");
    }

    /// <summary>
    /// Axis labels: the layer names without what they all share at the start and the end
    /// ("/layer1/layer1.0/bn1/BatchNormalization" → "layer1/layer1.0/bn1"), so the part that tells them apart shows.
    /// </summary>
    private static List<(double, string)> ShortNames(IReadOnlyList<string> names)
    {
        int prefix = 0, suffix = 0;
        if (names.Count > 1)
        {
            int shortest = names.Min(n => n.Length);
            while (prefix < shortest && names.All(n => n[prefix] == names[0][prefix])) prefix++;
            while (suffix < shortest - prefix && names.All(n => n[^(suffix + 1)] == names[0][^(suffix + 1)])) suffix++;
            // Cut only at separators: "bn10" and "bn20" share the "0", which is not a part to drop.
            while (prefix > 0 && !IsSeparator(names[0][prefix - 1])) prefix--;
            while (suffix > 0 && !IsSeparator(names[0][^suffix])) suffix--;
        }
        return names.Select((n, i) =>
        {
            string core = n.Substring(prefix, n.Length - prefix - suffix).Trim('/', '.', '_', ':');
            return ((double)i, core.Length > 0 ? core : n);
        }).ToList();
    }

    private static bool IsSeparator(char c) => c is '/' or '.' or '_' or ':' or '-';

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
