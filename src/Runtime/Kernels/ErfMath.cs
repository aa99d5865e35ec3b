using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 erf (GELU's core in ConvNeXt and transformers), vectorised and evaluated in double:
/// <list type="bullet">
/// <item>|x| &lt; 0.5: the Maclaurin series erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)), 12 terms (the next is
/// below 1e-17 of the sum), so tiny x keep their full relative precision;</item>
/// <item>0.5 ≤ |x| &lt; 4: four 0.875-wide intervals, each with the degree-13 polynomial interpolating erf at
/// the interval's Chebyshev nodes (values summed in decimal). Interpolation error ≤ max|erf⁽¹⁴⁾| h¹⁴ / (2¹³ 14!)
/// ≈ 1e-13 (Cramér's bound on the Hermite polynomials in erf's derivatives), far below float's half ulp. The
/// four intervals' coefficients of one degree sit in one register, picked per lane by a permute (no gathers);</item>
/// <item>|x| ≥ 4: ±1, where erf rounds to 1 in float32 anyway. NaN stays NaN.</item>
/// </list>
/// This replaced a fixed 72-term series over the whole range. Each lane's result depends only on its own
/// value, so the result does not depend on how a tensor is split.
/// </summary>
internal static unsafe class ErfMath
{
    private const int SeriesTerms = 12;
    private const double SeriesLimit = 0.5, Saturation = 4.0;
    private const int Intervals = 4; // one per double lane of a register
    private const double HalfWidth = (Saturation - SeriesLimit) / Intervals / 2;
    private const int Degree = 13;

    private static readonly double[] Series = MakeSeries();
    // [k][interval]: coefficient k of each interval's polynomial in u = (|x| − centre) / HalfWidth ∈ [−1, 1].
    private static readonly double[] Interpolants = MakeInterpolants();

    private static double[] MakeInterpolants()
    {
        const int nodes = Degree + 1;
        var table = GC.AllocateArray<double>(nodes * Intervals, pinned: true);
        for (int i = 0; i < Intervals; i++)
        {
            double centre = SeriesLimit + (2 * i + 1) * HalfWidth;
            // Chebyshev coefficients from the values at the nodes u_j = cos(π (j + ½) / n).
            var chebyshev = new double[nodes];
            for (int j = 0; j < nodes; j++)
            {
                double angle = Math.PI * (j + 0.5) / nodes;
                double value = (double)ErfDecimal((decimal)(centre + HalfWidth * Math.Cos(angle)));
                for (int k = 0; k < nodes; k++) chebyshev[k] += 2.0 / nodes * value * Math.Cos(k * angle);
            }
            chebyshev[0] /= 2;
            // Σ a_k T_k(u) as monomials in u, with T_{k+1} = 2u T_k − T_{k−1}.
            var previous = new double[nodes];
            var current = new double[nodes];
            previous[0] = 1;    // T_0
            current[1] = 1;     // T_1
            table[i] += chebyshev[0];
            if (nodes > 1) table[Intervals + i] += chebyshev[1];
            for (int k = 2; k < nodes; k++)
            {
                var next = new double[nodes];
                for (int m = 0; m < nodes; m++) next[m] = (m > 0 ? 2 * current[m - 1] : 0) - previous[m];
                for (int m = 0; m <= k; m++) table[m * Intervals + i] += chebyshev[k] * next[m];
                (previous, current) = (current, next);
            }
        }
        return table;
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

    // Four vectors at once: one Horner chain is latency-bound (a dependent multiply-add per coefficient); four
    // independent chains keep the floating-point units busy. Each lane's arithmetic is the same either way.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Erf4(ref Vector256<double> x0, ref Vector256<double> x1, ref Vector256<double> x2, ref Vector256<double> x3)
    {
        var limit = Vector256.Create(SeriesLimit);
        Vector256<double> a0 = Vector256.Abs(x0), a1 = Vector256.Abs(x1), a2 = Vector256.Abs(x2), a3 = Vector256.Abs(x3);
        Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
        // Which branches some lane needs (a lane's value never depends on whether the other branch ran).
        if (Vector256.LessThanAny(a0, limit) || Vector256.LessThanAny(a1, limit) || Vector256.LessThanAny(a2, limit) || Vector256.LessThanAny(a3, limit))
        {
            var series = Series;
            Vector256<double> y0 = x0 * x0, y1 = x1 * x1, y2 = x2 * x2, y3 = x3 * x3;
            var top = Vector256.Create(series[SeriesTerms - 1]);
            Vector256<double> p0 = top, p1 = top, p2 = top, p3 = top;
            for (int n = SeriesTerms - 2; n >= 0; n--)
            {
                var c = Vector256.Create(series[n]);
                p0 = MultiplyAdd(p0, y0, c);
                p1 = MultiplyAdd(p1, y1, c);
                p2 = MultiplyAdd(p2, y2, c);
                p3 = MultiplyAdd(p3, y3, c);
            }
            (s0, s1, s2, s3) = (x0 * p0, x1 * p1, x2 * p2, x3 * p3);
        }
        if (Vector256.GreaterThanOrEqualAny(a0, limit) || Vector256.GreaterThanOrEqualAny(a1, limit)
            || Vector256.GreaterThanOrEqualAny(a2, limit) || Vector256.GreaterThanOrEqualAny(a3, limit))
        {
            Vector256<double> i0 = Index(a0), i1 = Index(a1), i2 = Index(a2), i3 = Index(a3);
            Vector256<double> u0 = Reduced(a0, i0), u1 = Reduced(a1, i1), u2 = Reduced(a2, i2), u3 = Reduced(a3, i3);
            Vector256<int> k0 = Picker(i0), k1 = Picker(i1), k2 = Picker(i2), k3 = Picker(i3);
            double* table = (double*)Unsafe.AsPointer(ref Interpolants[0]);
            double* row = table + Degree * Intervals;
            Vector256<double> p0 = Pick(row, k0, i0), p1 = Pick(row, k1, i1), p2 = Pick(row, k2, i2), p3 = Pick(row, k3, i3);
            for (int k = Degree - 1; k >= 0; k--)
            {
                row = table + k * Intervals;
                p0 = MultiplyAdd(p0, u0, Pick(row, k0, i0));
                p1 = MultiplyAdd(p1, u1, Pick(row, k1, i1));
                p2 = MultiplyAdd(p2, u2, Pick(row, k2, i2));
                p3 = MultiplyAdd(p3, u3, Pick(row, k3, i3));
            }
            s0 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a0, limit), Signed(x0, p0), s0);
            s1 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a1, limit), Signed(x1, p1), s1);
            s2 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a2, limit), Signed(x2, p2), s2);
            s3 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a3, limit), Signed(x3, p3), s3);
        }
        x0 = Finish(x0, a0, s0);
        x1 = Finish(x1, a1, s1);
        x2 = Finish(x2, a2, s2);
        x3 = Finish(x3, a3, s3);
    }

    /// <summary>The interval of |x|, clamped to the table (lanes outside [0.5, 4) are replaced later).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Index(Vector256<double> ax) =>
        Vector256.Floor(Vector256.Min(Vector256.Max((ax - Vector256.Create(SeriesLimit)) * Vector256.Create(0.5 / HalfWidth),
            Vector256<double>.Zero), Vector256.Create(Intervals - 1.0)));

    /// <summary>|x| as u ∈ [−1, 1] within its interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Reduced(Vector256<double> ax, Vector256<double> index) =>
        (ax - Vector256.Create(SeriesLimit + HalfWidth)) * Vector256.Create(1 / HalfWidth) - index * Vector256.Create(2.0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Signed(Vector256<double> x, Vector256<double> magnitude) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), -magnitude, magnitude);

    /// <summary>±1 from 4 on; NaN fails every comparison, so it is carried over explicitly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Finish(Vector256<double> x, Vector256<double> ax, Vector256<double> value)
    {
        var result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(Saturation)), Signed(x, Vector256<double>.One), value);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>The 32-bit permute indices (2i, 2i+1) that bring double i of a register into each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Picker(Vector256<double> index)
    {
        if (!Avx2.IsSupported) return default;
        var i = Avx2.ConvertToVector256Int64(Avx.ConvertToVector128Int32WithTruncation(index));
        return (Avx2.ShiftLeftLogical(i, 33) | Avx2.ShiftLeftLogical(i, 1) | Vector256.Create(1L << 32)).AsInt32();
    }

    // The table is on the pinned heap, so its address is stable.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Pick(double* row, Vector256<int> pick, Vector256<double> index) =>
        Avx2.IsSupported ? Avx2.PermuteVar8x32(Vector256.Load(row).AsSingle(), pick).AsDouble()
            : Vector256.Create(row[(int)index[0]], row[(int)index[1]], row[(int)index[2]], row[(int)index[3]]);

    /// <summary>y = erf(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<double> lanes = stackalloc double[4];
        int i = 0, n = x.Length;
        for (; i + 16 <= n; i += 16)
        {
            var (x0, x1) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
            var (x2, x3) = Vector256.Widen(Vector256.Create(x.Slice(i + 8, 8)));
            Erf4(ref x0, ref x1, ref x2, ref x3);
            Vector256.Narrow(x0, x1).CopyTo(y.Slice(i, 8));
            Vector256.Narrow(x2, x3).CopyTo(y.Slice(i + 8, 8));
        }
        for (; i < n; i += 4)
        {
            int count = Math.Min(4, n - i);
            lanes.Clear();
            for (int j = 0; j < count; j++) lanes[j] = x[i + j];
            Vector256<double> v = Vector256.Create<double>(lanes), unused1 = default, unused2 = default, unused3 = default;
            Erf4(ref v, ref unused1, ref unused2, ref unused3);
            v.CopyTo(lanes);
            for (int j = 0; j < count; j++) y[i + j] = (float)lanes[j];
        }
    }

    /// <summary>erf of 8 values, each lane as <see cref="Apply"/> computes it (GELU applied to a GEMM's output blocks).</summary>
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var (x0, x1) = Vector256.Widen(x);
        Vector256<double> unused2 = default, unused3 = default;
        Erf4(ref x0, ref x1, ref unused2, ref unused3);
        return Vector256.Narrow(x0, x1);
    }

    /// <summary>erf of 16 values, each lane as <see cref="Apply"/> computes it.</summary>
    public static Vector512<float> Erf(Vector512<float> x)
    {
        var (x0, x1) = Vector256.Widen(x.GetLower());
        var (x2, x3) = Vector256.Widen(x.GetUpper());
        Erf4(ref x0, ref x1, ref x2, ref x3);
        return Vector512.Create(Vector256.Narrow(x0, x1), Vector256.Narrow(x2, x3));
    }

    public static float Scalar(float x)
    {
        Span<float> v = stackalloc float[1] { x };
        Apply(v, v);
        return v[0];
    }
}
