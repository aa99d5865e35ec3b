using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 erf (GELU's core in ConvNeXt and transformers), vectorised and evaluated in double:
/// <list type="bullet">
/// <item>|x| &lt; 0.5: the Maclaurin series erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)), 12 terms (the next is
/// below 1e-17 of the sum), so tiny x keep their full relative precision;</item>
/// <item>0.5 ≤ |x| &lt; 4: a degree-11 Taylor polynomial around the centre of |x|'s 0.25-wide interval, from
/// erf's derivatives erf⁽ᵏ⁾(a) = 2/√π (−1)ᵏ⁻¹ Hₖ₋₁(a) e^(−a²) (Hermite polynomials) and erf(a) summed in
/// decimal: truncation below 1e-14 (Cramér's bound on Hₙ), so the float result is within 1 ulp;</item>
/// <item>|x| ≥ 4: ±1, where erf rounds to 1 in float32 anyway. NaN stays NaN.</item>
/// </list>
/// This replaced a fixed 72-term series over the whole range (4-5x the arithmetic). Each lane's result
/// depends only on its own value, so the result does not depend on how a tensor is split.
/// </summary>
internal static unsafe class ErfMath
{
    private const int SeriesTerms = 12;
    private const double SeriesLimit = 0.5, Saturation = 4.0, IntervalWidth = 0.25;
    private const int Intervals = (int)((Saturation - SeriesLimit) / IntervalWidth);
    private const int Degree = 11;

    private static readonly double[] Series = MakeSeries();
    // [k][interval]: coefficient k of each interval's polynomial in t = |x| − centre (one gather per k).
    private static readonly double[] Taylor = GC.AllocateArray<double>((Degree + 1) * Intervals, pinned: true);

    static ErfMath()
    {
        for (int i = 0; i < Intervals; i++)
        {
            double a = SeriesLimit + (i + 0.5) * IntervalWidth;
            Taylor[i] = (double)ErfDecimal((decimal)a);
            // erf⁽ᵏ⁾(a) / k! for k ≥ 1, with Hₖ₋₁ by the recurrence H₀ = 1, H₁ = 2a, Hₙ₊₁ = 2a Hₙ − 2n Hₙ₋₁.
            double scale = 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a), hPrevious = 0, h = 1, factorial = 1;
            for (int k = 1; k <= Degree; k++)
            {
                factorial *= k;
                Taylor[k * Intervals + i] = (k % 2 == 1 ? 1 : -1) * scale * h / factorial;
                double next = 2 * a * h - 2 * (k - 1) * hPrevious;
                (hPrevious, h) = (h, next);
            }
        }
    }

    private static double[] MakeSeries()
    {
        var c = new double[SeriesTerms];
        double factorial = 1;
        for (int n = 0; n < SeriesTerms; n++)
        {
            if (n > 0) factorial *= n;
            c[n] = (n % 2 == 0 ? 1 : -1) * 2 / Math.Sqrt(Math.PI) / (factorial * (2 * n + 1));
        }
        return c;
    }

    /// <summary>erf(a) for 0 ≤ a ≤ 4 by its Maclaurin series in decimal (28 digits: no cancellation trouble).</summary>
    private static decimal ErfDecimal(decimal a)
    {
        decimal a2 = a * a, power = a, sum = 0;
        for (int n = 0; n < 200 && power != 0; n++)
        {
            if (n > 0) power = -power * a2 / n;
            sum += power / (2 * n + 1);
        }
        return sum * 1.1283791670955125738961589031m; // 2/√π
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> Erf(Vector256<double> x)
    {
        var ax = Vector256.Abs(x);
        Vector256<double> result;
        if (Vector256.LessThanAny(ax, Vector256.Create(SeriesLimit)))
        {
            var series = Series;
            var y = x * x;
            var p = Vector256.Create(series[SeriesTerms - 1]);
            for (int n = SeriesTerms - 2; n >= 0; n--) p = MultiplyAdd(p, y, Vector256.Create(series[n]));
            result = x * p;
        }
        else result = Vector256<double>.Zero;
        if (Vector256.GreaterThanOrEqualAny(ax, Vector256.Create(SeriesLimit)))
        {
            // Interval index clamped to the table (lanes outside [0.5, 4) are replaced below).
            var scaled = Vector256.Min(Vector256.Max((ax - Vector256.Create(SeriesLimit)) * Vector256.Create(1 / IntervalWidth),
                Vector256<double>.Zero), Vector256.Create(Intervals - 1.0));
            var index = Vector256.Floor(scaled);
            var t = ax - (Vector256.Create(SeriesLimit + IntervalWidth / 2) + index * Vector256.Create(IntervalWidth));
            var lane = Vector256.ConvertToInt64(index);
            var p = Coefficient(Degree, lane);
            for (int k = Degree - 1; k >= 0; k--) p = MultiplyAdd(p, t, Coefficient(k, lane));
            var signed = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), -p, p);
            result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(SeriesLimit)), signed, result);
        }
        var saturated = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), Vector256.Create(-1.0), Vector256<double>.One);
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(Saturation)), saturated, result);
        // NaN fails every comparison above, so it is carried over explicitly.
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Coefficient(int k, Vector256<long> lane)
    {
        fixed (double* row = &Taylor[k * Intervals])
        {
            if (Avx2.IsSupported) return Avx2.GatherVector256(row, lane, 8);
            return Vector256.Create(row[lane[0]], row[lane[1]], row[lane[2]], row[lane[3]]);
        }
    }

    /// <summary>y = erf(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<double> lanes = stackalloc double[4];
        int i = 0, n = x.Length;
        for (; i + 8 <= n; i += 8)
        {
            var (x0, x1) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
            Vector256.Narrow(Erf(x0), Erf(x1)).CopyTo(y.Slice(i, 8));
        }
        for (; i < n; i += 4)
        {
            int count = Math.Min(4, n - i);
            lanes.Clear();
            for (int j = 0; j < count; j++) lanes[j] = x[i + j];
            Erf(Vector256.Create<double>(lanes)).CopyTo(lanes);
            for (int j = 0; j < count; j++) y[i + j] = (float)lanes[j];
        }
    }

    public static float Scalar(float x)
    {
        Span<float> v = stackalloc float[1] { x };
        Apply(v, v);
        return v[0];
    }
}
