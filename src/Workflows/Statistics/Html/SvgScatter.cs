using System.Globalization;
using System.Net;
using System.Text;

namespace OnnxNorm.Workflows.Statistics.Html;

/// <summary>
/// An inline-SVG scatter plot: labelled axes with ticks, dashed threshold lines, and one point per item
/// (channels are independent, so points, never a line through them). A point is red only when the measure
/// this plot shows flags it. Each point carries a tooltip with its exact numbers.
/// </summary>
internal sealed class SvgScatter
{
    public enum Marker { Filled, Hollow, Diamond }

    public sealed record Series(string Name, Marker Marker, string Colour);

    private sealed record Point(double X, double Y, Series Series, bool Flagged, string Tooltip, bool Ring);

    private const int Left = 64, Right = 16, Top = 44, Bottom = 40;
    private readonly string _title, _xLabel, _yLabel;
    private readonly AxisScale _x, _y;
    private readonly int _width, _height;
    private readonly List<Point> _points = new();
    private readonly List<(double Y, string Label)> _thresholds = new();
    private readonly List<Series> _series = new();
    private IReadOnlyList<(double X, string Label)>? _xNames;

    public SvgScatter(string title, string xLabel, string yLabel, AxisScale x, AxisScale y, int width = 640, int height = 240)
    {
        _title = title; _xLabel = xLabel; _yLabel = yLabel; _x = x; _y = y; _width = width; _height = height;
    }

    public const string FlaggedColour = "#c00";

    public SvgScatter Threshold(double y, string label) { _thresholds.Add((y, label)); return this; }

    /// <summary>Names under the x axis instead of numbers (written slanted), e.g. layer names.</summary>
    public SvgScatter XNames(IReadOnlyList<(double X, string Label)> names) { _xNames = names; return this; }

    public SvgScatter Add(Series series, double x, double y, bool flagged, string tooltip, bool ring = false)
    {
        if (!_series.Contains(series)) _series.Add(series);
        if (double.IsFinite(y)) _points.Add(new Point(x, y, series, flagged, tooltip, ring));
        return this;
    }

    private double Px(double x) => Left + (_width - Left - Right) * _x.Fraction(x);

    private double Py(double y) => _height - Bottom - (_height - Top - Bottom) * _y.Fraction(y);

    public string Render()
    {
        // Room under the axis for slanted names: about their longest length (cut at 24 characters) at 50°.
        int extra = _xNames is null || _xNames.Count == 0 ? 0 : (int)Math.Min(90, 14 + 4.8 * _xNames.Max(n => Math.Min(n.Label.Length, 24)));
        var sb = new StringBuilder();
        sb.Append(Inv($"<svg class=\"chart\" width=\"{_width}\" height=\"{_height + extra}\" viewBox=\"0 0 {_width} {_height + extra}\" role=\"img\" aria-label=\"{Enc(_title)}\">"));
        sb.Append(Inv($"<text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{Enc(_title)}</text>"));
        // Axes and grid.
        double x0 = Left, x1 = _width - Right, y0 = _height - Bottom, y1 = Top;
        foreach (var (v, label) in _y.Ticks)
        {
            double py = Py(v);
            sb.Append(Inv($"<line x1=\"{x0}\" y1=\"{py:0.#}\" x2=\"{x1}\" y2=\"{py:0.#}\" stroke=\"#e4e4e4\"/>"));
            sb.Append(Inv($"<text class=\"ytick\" x=\"{x0 - 4}\" y=\"{py + 3.5:0.#}\" font-size=\"10\" text-anchor=\"end\">{Enc(label)}</text>"));
        }
        if (_xNames is null)
            foreach (var (v, label) in _x.Ticks)
            {
                double px = Px(v);
                sb.Append(Inv($"<line x1=\"{px:0.#}\" y1=\"{y0}\" x2=\"{px:0.#}\" y2=\"{y0 + 4}\" stroke=\"#333\"/>"));
                sb.Append(Inv($"<text class=\"xtick\" x=\"{px:0.#}\" y=\"{y0 + 15}\" font-size=\"10\" text-anchor=\"middle\">{Enc(label)}</text>"));
            }
        else
            foreach (var (v, label) in _xNames)
            {
                double px = Px(v);
                sb.Append(Inv($"<text class=\"xname\" x=\"{px:0.#}\" y=\"{y0 + 10}\" font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-50 {px:0.#} {y0 + 10})\">{Enc(Trim(label, 24))}</text>"));
            }
        sb.Append(Inv($"<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#333\"/><line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"#333\"/>"));
        sb.Append(Inv($"<text x=\"{(x0 + x1) / 2:0.#}\" y=\"{_height + extra - 6}\" font-size=\"11\" text-anchor=\"middle\">{Enc(_xLabel)}</text>"));
        sb.Append(Inv($"<text x=\"12\" y=\"{(y0 + y1) / 2:0.#}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(y0 + y1) / 2:0.#})\">{Enc(_yLabel)}</text>"));
        foreach (var (v, label) in _thresholds)
        {
            double py = Py(v);
            sb.Append(Inv($"<line class=\"threshold\" x1=\"{x0}\" y1=\"{py:0.#}\" x2=\"{x1}\" y2=\"{py:0.#}\" stroke=\"{FlaggedColour}\" stroke-dasharray=\"5 3\"/>"));
            sb.Append(Inv($"<text x=\"{x1 - 2}\" y=\"{py - 3:0.#}\" font-size=\"10\" fill=\"{FlaggedColour}\" text-anchor=\"end\">{Enc(label)}</text>"));
        }
        foreach (var p in _points) sb.Append(PointSvg(p));
        // Legend, under the title, right-aligned.
        double lx = x1 - 6;
        var legend = _series.Select(s => (s, s.Name)).Append((new Series("flagged", Marker.Filled, FlaggedColour), "flagged")).Reverse().ToList();
        foreach (var (s, name) in legend)
        {
            double w = 14 + 6.2 * name.Length;
            lx -= w;
            sb.Append(Marker_(s.Marker, lx + 4, 29, 3.5, s.Colour));
            sb.Append(Inv($"<text x=\"{lx + 11:0.#}\" y=\"33\" font-size=\"10\">{Enc(name)}</text>"));
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private string PointSvg(Point p)
    {
        string colour = p.Flagged ? FlaggedColour : p.Series.Colour;
        double r = p.Flagged ? 4 : 3;
        var sb = new StringBuilder();
        sb.Append(Inv($"<g class=\"pt{(p.Flagged ? " flagged" : "")}\"><title>{Enc(p.Tooltip)}</title>"));
        sb.Append(Marker_(p.Series.Marker, Px(p.X), Py(p.Y), r, colour));
        if (p.Ring) sb.Append(Inv($"<circle cx=\"{Px(p.X):0.#}\" cy=\"{Py(p.Y):0.#}\" r=\"8\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>"));
        sb.Append("</g>");
        return sb.ToString();
    }

    private static string Marker_(Marker m, double x, double y, double r, string colour) => m switch
    {
        Marker.Hollow => Inv($"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"{r}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>"),
        Marker.Diamond => Inv($"<path d=\"M{x:0.#} {y - r - 1:0.#}L{x + r + 1:0.#} {y:0.#}L{x:0.#} {y + r + 1:0.#}L{x - r - 1:0.#} {y:0.#}Z\" fill=\"{colour}\" fill-opacity=\"0.75\"/>"),
        _ => Inv($"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"{r}\" fill=\"{colour}\"/>"),
    };

    private static string Trim(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
