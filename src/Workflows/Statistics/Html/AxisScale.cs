using System.Globalization;

namespace OnnxNorm.Workflows.Statistics.Html;

/// <summary>
/// One axis of a chart: its range, linear or log, and tick marks at round numbers with plain labels
/// ("0.01", "0.5", "1", "100"; powers of ten beyond that as "1e-5", "1e6"), never fractional exponents.
/// </summary>
internal sealed class AxisScale
{
    private AxisScale(double lo, double hi, bool log, List<(double, string)> ticks)
    {
        Lo = lo; Hi = hi; IsLog = log; Ticks = ticks;
    }

    public double Lo { get; }
    public double Hi { get; }
    public bool IsLog { get; }
    public IReadOnlyList<(double Value, string Label)> Ticks { get; }

    /// <summary>Where <paramref name="v"/> falls on the axis, 0 at Lo and 1 at Hi (clamped).</summary>
    public double Fraction(double v)
    {
        if (IsLog) v = Math.Log10(Math.Max(v, Lo));
        double lo = IsLog ? Math.Log10(Lo) : Lo, hi = IsLog ? Math.Log10(Hi) : Hi;
        return Math.Clamp((v - lo) / (hi - lo), 0, 1);
    }

    /// <summary>A linear axis covering every finite value, widened to round tick positions.</summary>
    public static AxisScale Linear(IEnumerable<double> values, int targetTicks = 5)
    {
        var finite = values.Where(double.IsFinite).ToList();
        double lo = finite.Count > 0 ? finite.Min() : 0, hi = finite.Count > 0 ? finite.Max() : 1;
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi))) { double pad = Math.Max(Math.Abs(hi) * 0.1, 0.5); lo -= pad; hi += pad; }
        double step = NiceStep((hi - lo) / targetTicks);
        lo = Math.Floor(lo / step) * step;
        hi = Math.Ceiling(hi / step) * step;
        var ticks = new List<(double, string)>();
        for (int k = 0; lo + k * step <= hi + step * 1e-9; k++)
        {
            double v = Math.Round(lo + k * step, 12);
            if (Math.Abs(v) < step * 1e-9) v = 0;
            ticks.Add((v, Label(v)));
        }
        return new AxisScale(lo, hi, false, ticks);
    }

    /// <summary>An integer axis (channel or layer indices) from 0 to <paramref name="count"/> − 1.</summary>
    public static AxisScale Indices(int count, int targetTicks = 8)
    {
        double hi = Math.Max(count - 1, 1);
        double step = Math.Max(1, NiceStep(hi / targetTicks));
        var ticks = new List<(double, string)>();
        for (double v = 0; v <= hi + 1e-9; v += step) ticks.Add((v, Label(v)));
        return new AxisScale(-0.5, hi + 0.5, false, ticks);
    }

    /// <summary>A log axis over the positive values (at least <paramref name="floor"/>), ticks at powers of ten (and 2, 5 when the span is short).</summary>
    public static AxisScale Log(IEnumerable<double> values, double floor = 1e-12)
    {
        var positive = values.Where(v => double.IsFinite(v) && v > 0).Select(v => Math.Max(v, floor)).ToList();
        double lo = positive.Count > 0 ? positive.Min() : 0.1, hi = positive.Count > 0 ? positive.Max() : 10;
        int e0 = (int)Math.Floor(Math.Log10(lo) + 1e-9), e1 = (int)Math.Ceiling(Math.Log10(hi) - 1e-9);
        if (e1 <= e0) e1 = e0 + 1;
        var ticks = new List<(double, string)>();
        int stride = Math.Max(1, (e1 - e0 + 7) / 8);
        for (int e = e0; e <= e1; e += stride)
        {
            double p = Math.Pow(10, e);
            ticks.Add((p, Label(p)));
            if (e1 - e0 <= 2 && e < e1) { ticks.Add((2 * p, Label(2 * p))); ticks.Add((5 * p, Label(5 * p))); }
        }
        return new AxisScale(Math.Pow(10, e0), Math.Pow(10, e1), true, ticks);
    }

    private static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    /// <summary>A tick label: plain decimals from 0.001 to 100000, a power of ten as 1eN outside that.</summary>
    public static string Label(double v)
    {
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e-3 && a < 1e5) return v.ToString("0.######", CultureInfo.InvariantCulture);
        int e = (int)Math.Floor(Math.Log10(a) + 1e-9);
        double m = v / Math.Pow(10, e);
        string mant = Math.Abs(Math.Abs(m) - 1) < 1e-9 ? (m < 0 ? "-1" : "1") : m.ToString("0.##", CultureInfo.InvariantCulture);
        return $"{mant}e{e}";
    }
}
