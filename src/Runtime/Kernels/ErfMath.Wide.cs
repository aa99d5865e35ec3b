using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The same evaluation on 512-bit registers (8 doubles): each lane does exactly the arithmetic of
/// the 256-bit form's lanes (the same fused multiply-adds, the interval's coefficients picked by a permute of
/// the 4-entry row broadcast to both halves), in half the instructions. ConvNeXt-T evaluates 8.5M erfs per run.
/// </summary>
internal static unsafe partial class ErfMath
{
    // Four registers at once, as Erf4: four independent multiply-add chains hide the FMA latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Erf4(ref Vector512<double> x0, ref Vector512<double> x1, ref Vector512<double> x2, ref Vector512<double> x3)
    {
        var limit = Vector512.Create(SeriesLimit);
        Vector512<double> a0 = Vector512.Abs(x0), a1 = Vector512.Abs(x1), a2 = Vector512.Abs(x2), a3 = Vector512.Abs(x3);
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        if (Vector512.LessThanAny(a0, limit) || Vector512.LessThanAny(a1, limit) || Vector512.LessThanAny(a2, limit) || Vector512.LessThanAny(a3, limit))
        {
            var series = Series;
            Vector512<double> y0 = x0 * x0, y1 = x1 * x1, y2 = x2 * x2, y3 = x3 * x3;
            Vector512<double> p0 = Vector512.Create(series[SeriesTerms - 1]), p1 = p0, p2 = p0, p3 = p0;
            for (int n = SeriesTerms - 2; n >= 0; n--)
            {
                var c = Vector512.Create(series[n]);
                p0 = Avx512F.FusedMultiplyAdd(p0, y0, c);
                p1 = Avx512F.FusedMultiplyAdd(p1, y1, c);
                p2 = Avx512F.FusedMultiplyAdd(p2, y2, c);
                p3 = Avx512F.FusedMultiplyAdd(p3, y3, c);
            }
            (s0, s1, s2, s3) = (x0 * p0, x1 * p1, x2 * p2, x3 * p3);
        }
        if (Vector512.GreaterThanOrEqualAny(a0, limit) || Vector512.GreaterThanOrEqualAny(a1, limit)
            || Vector512.GreaterThanOrEqualAny(a2, limit) || Vector512.GreaterThanOrEqualAny(a3, limit))
        {
            Vector512<double> i0 = Index(a0), i1 = Index(a1), i2 = Index(a2), i3 = Index(a3);
            Vector512<double> u0 = Reduced(a0, i0), u1 = Reduced(a1, i1), u2 = Reduced(a2, i2), u3 = Reduced(a3, i3);
            Vector512<long> k0 = Vector512.ConvertToInt64(i0), k1 = Vector512.ConvertToInt64(i1), k2 = Vector512.ConvertToInt64(i2), k3 = Vector512.ConvertToInt64(i3);
            double* table = (double*)Unsafe.AsPointer(ref Interpolants[0]);
            double* row = table + Degree * Intervals;
            var coefficients = Row(row);
            Vector512<double> p0 = Avx512F.PermuteVar8x64(coefficients, k0), p1 = Avx512F.PermuteVar8x64(coefficients, k1);
            Vector512<double> p2 = Avx512F.PermuteVar8x64(coefficients, k2), p3 = Avx512F.PermuteVar8x64(coefficients, k3);
            for (int k = Degree - 1; k >= 0; k--)
            {
                coefficients = Row(table + k * Intervals);
                p0 = Avx512F.FusedMultiplyAdd(p0, u0, Avx512F.PermuteVar8x64(coefficients, k0));
                p1 = Avx512F.FusedMultiplyAdd(p1, u1, Avx512F.PermuteVar8x64(coefficients, k1));
                p2 = Avx512F.FusedMultiplyAdd(p2, u2, Avx512F.PermuteVar8x64(coefficients, k2));
                p3 = Avx512F.FusedMultiplyAdd(p3, u3, Avx512F.PermuteVar8x64(coefficients, k3));
            }
            s0 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a0, limit), Signed(x0, p0), s0);
            s1 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a1, limit), Signed(x1, p1), s1);
            s2 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a2, limit), Signed(x2, p2), s2);
            s3 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a3, limit), Signed(x3, p3), s3);
        }
        x0 = Finish(x0, a0, s0);
        x1 = Finish(x1, a1, s1);
        x2 = Finish(x2, a2, s2);
        x3 = Finish(x3, a3, s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Index(Vector512<double> ax) =>
        Vector512.Floor(Vector512.Min(Vector512.Max((ax - Vector512.Create(SeriesLimit)) * Vector512.Create(0.5 / HalfWidth),
            Vector512<double>.Zero), Vector512.Create(Intervals - 1.0)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Reduced(Vector512<double> ax, Vector512<double> index) =>
        (ax - Vector512.Create(SeriesLimit + HalfWidth)) * Vector512.Create(1 / HalfWidth) - index * Vector512.Create(2.0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Signed(Vector512<double> x, Vector512<double> magnitude) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), -magnitude, magnitude);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Finish(Vector512<double> x, Vector512<double> ax, Vector512<double> value)
    {
        var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(ax, Vector512.Create(Saturation)), Signed(x, Vector512<double>.One), value);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    // One degree's 4 coefficients (one per interval) in both halves, for the permute that picks each lane's.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Row(double* row) => Avx512F.BroadcastVector256ToVector512(row);

    /// <summary>32 values through the 512-bit <see cref="Erf4(ref Vector512{double}, ref Vector512{double}, ref Vector512{double}, ref Vector512{double})"/> (callers check <see cref="Avx512F"/> support).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<float>, Vector512<float>) Erf32(Vector512<float> a, Vector512<float> b)
    {
        var (x0, x1) = Vector512.Widen(a);
        var (x2, x3) = Vector512.Widen(b);
        Erf4(ref x0, ref x1, ref x2, ref x3);
        return (Vector512.Narrow(x0, x1), Vector512.Narrow(x2, x3));
    }
}
