using System.Globalization;
using System.Net;
using System.Text;

namespace OnnxNorm.Runtime.Statistics;

/// <summary>
/// A self-contained HTML page (no scripts, no external files): the ranking table, then per layer two
/// inline-SVG plots of running vs data statistics per channel: the mean, and the variance on a log scale.
/// Flagged channels are drawn in red.
/// </summary>
public static class StatsHtmlReport
{
    private const int Width = 640, Height = 180, Margin = 40;

    public static string Render(StatsReport report, string modelLabel)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>check-stats: ").Append(Enc(modelLabel)).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
          .Append("td:first-child,th:first-child{text-align:left}.bad{color:#c00;font-weight:bold}.inh{color:#a60}svg{background:#fafafa;border:1px solid #ddd;margin:4px}</style></head><body>");
        sb.Append("<h1>BatchNorm statistics: ").Append(Enc(modelLabel)).Append("</h1>");
        var t = report.Thresholds;
        sb.Append(Inv($"<p>{report.Batches} batches, {report.Passes} pass(es). A channel is flagged when |&mu;<sub>d</sub>&minus;&mu;<sub>r</sub>|/&radic;(&sigma;&sup2;<sub>r</sub>+&epsilon;) &gt; {t.MaxMeanShift} or (&sigma;&sup2;<sub>d</sub>+&epsilon;)/(&sigma;&sup2;<sub>r</sub>+&epsilon;) is outside [{t.MinVarRatio}, {t.MaxVarRatio}]"))
          .Append(double.IsPositiveInfinity(t.MaxKl) ? "" : Inv($" or KL &gt; {t.MaxKl}")).Append(".</p>");
        foreach (var w in report.Warnings) sb.Append("<p class=\"inh\">warning: ").Append(Enc(w)).Append("</p>");
        sb.Append("<h2>Ranking</h2><table><tr><th>layer</th><th>level</th><th>score</th><th>own score</th><th>flagged channels</th><th>verdict</th></tr>");
        foreach (var l in report.Layers)
        {
            string verdict = l.RootCause ? "<span class=\"bad\">wrong itself</span>" : l.Inherited ? "<span class=\"inh\">inherits drift</span>" : l.Flagged ? "flagged" : "ok";
            sb.Append("<tr><td><a href=\"#l").Append(l.Ordinal).Append("\">").Append(Enc(l.Node)).Append("</a></td>")
              .Append(Inv($"<td>{l.Level}</td><td>{l.Score:0.###}</td><td>{(l.OwnScore is double o ? o.ToString("0.###", CultureInfo.InvariantCulture) : "")}</td><td>{l.FlaggedChannelCount}/{l.Channels.Count}</td>"))
              .Append("<td>").Append(verdict).Append("</td></tr>");
        }
        sb.Append("</table>");
        foreach (var l in report.Layers)
        {
            sb.Append("<h3 id=\"l").Append(l.Ordinal).Append("\">").Append(Enc(l.Node)).Append("</h3>");
            sb.Append(Plot(l.Channels, "mean per channel (line: running, dots: data)", c => c.RunningMean, c => c.DataMean, log: false));
            sb.Append(Plot(l.Channels, "variance per channel, log scale (line: running, dots: data)", c => c.RunningVar, c => c.DataVar, log: true));
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static string Plot(IReadOnlyList<ChannelMismatch> channels, string title, Func<ChannelMismatch, double> running,
        Func<ChannelMismatch, double> data, bool log)
    {
        double Y(double v) => log ? Math.Log10(Math.Max(v, 1e-12)) : v;
        var values = channels.SelectMany(c => new[] { Y(running(c)), Y(data(c)) }).Where(double.IsFinite).ToList();
        double lo = values.Count > 0 ? values.Min() : 0, hi = values.Count > 0 ? values.Max() : 1;
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        int n = Math.Max(channels.Count, 1);
        double X(int i) => Margin + (Width - 2 * Margin) * (n == 1 ? 0.5 : (double)i / (n - 1));
        double Py(double v) => Height - Margin / 2.0 - (Height - Margin) * (Math.Clamp(v, lo, hi) - lo) / (hi - lo);
        var sb = new StringBuilder();
        sb.Append(Inv($"<svg width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"));
        sb.Append(Inv($"<text x=\"{Margin}\" y=\"14\" font-size=\"12\">{Enc(title)}</text>"));
        sb.Append(Inv($"<text x=\"2\" y=\"{Py(hi) + 4:0.#}\" font-size=\"10\">{Label(hi, log)}</text><text x=\"2\" y=\"{Py(lo):0.#}\" font-size=\"10\">{Label(lo, log)}</text>"));
        sb.Append("<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\" points=\"");
        for (int i = 0; i < channels.Count; i++)
            if (double.IsFinite(Y(running(channels[i])))) sb.Append(Inv($"{X(i):0.#},{Py(Y(running(channels[i]))):0.#} "));
        sb.Append("\"/>");
        for (int i = 0; i < channels.Count; i++)
        {
            var c = channels[i];
            if (!double.IsFinite(Y(data(c)))) continue;
            sb.Append(Inv($"<circle cx=\"{X(i):0.#}\" cy=\"{Py(Y(data(c))):0.#}\" r=\"{(c.Flagged ? 3.5 : 2)}\" fill=\"{(c.Flagged ? "#c00" : "#333")}\"><title>channel {c.Index}: running {running(c):G4}, data {data(c):G4}</title></circle>"));
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Label(double v, bool log) => log ? Inv($"1e{v:0.#}") : Inv($"{v:G3}");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
