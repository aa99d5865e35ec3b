using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 erf (GELU's core in ConvNeXt and transformers), vectorised: the Maclaurin series
/// erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)), evaluated in double with a fixed 72 terms for |x| &lt; 4
/// (the last term is below 1e-16 there, and double's cancellation error stays near 1e-12), and ±1 beyond,
/// where erf rounds to 1 in float32 anyway. A fixed term count keeps each lane's result independent of its
/// neighbours, so the result does not depend on how a tensor is split. NaN stays NaN.
/// </summary>
internal static class ErfMath
{
    private const int Terms = 72;
    private static readonly double[] Coefficients = MakeCoefficients();

    private static double[] MakeCoefficients()
    {
        var c = new double[Terms];
        double factorial = 1;
        for (int n = 0; n < Terms; n++)
        {
            if (n > 0) factorial *= n;
            c[n] = (n % 2 == 0 ? 1 : -1) * 2 / Math.Sqrt(Math.PI) / (factorial * (2 * n + 1));
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Erf(Vector256<double> x, double[] c)
    {
        var y = x * x;
        var p = Vector256.Create(c[Terms - 1]);
        for (int n = Terms - 2; n >= 0; n--) p = p * y + Vector256.Create(c[n]);
        return Finish(x, p);
    }

    // Four vectors at once: one Horner chain is latency-bound (a multiply and an add per term, 72 terms);
    // four independent chains keep the floating-point units busy. Each lane's arithmetic is unchanged.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Erf4(ref Vector256<double> x0, ref Vector256<double> x1, ref Vector256<double> x2, ref Vector256<double> x3, double[] c)
    {
        Vector256<double> y0 = x0 * x0, y1 = x1 * x1, y2 = x2 * x2, y3 = x3 * x3;
        var top = Vector256.Create(c[Terms - 1]);
        Vector256<double> p0 = top, p1 = top, p2 = top, p3 = top;
        for (int n = Terms - 2; n >= 0; n--)
        {
            var cn = Vector256.Create(c[n]);
            p0 = p0 * y0 + cn;
            p1 = p1 * y1 + cn;
            p2 = p2 * y2 + cn;
            p3 = p3 * y3 + cn;
        }
        x0 = Finish(x0, p0);
        x1 = Finish(x1, p1);
        x2 = Finish(x2, p2);
        x3 = Finish(x3, p3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Finish(Vector256<double> x, Vector256<double> p)
    {
        var saturated = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), Vector256.Create(-1.0), Vector256<double>.One);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(4.0)), saturated, x * p);
    }

    /// <summary>y = erf(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        var c = Coefficients;
        Span<double> lanes = stackalloc double[4];
        int i = 0, n = x.Length;
        for (; i + 16 <= n; i += 16)
        {
            var (x0, x1) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
            var (x2, x3) = Vector256.Widen(Vector256.Create(x.Slice(i + 8, 8)));
            Erf4(ref x0, ref x1, ref x2, ref x3, c);
            Vector256.Narrow(x0, x1).CopyTo(y.Slice(i, 8));
            Vector256.Narrow(x2, x3).CopyTo(y.Slice(i + 8, 8));
        }
        for (; i < n; i += 4)
        {
            int count = Math.Min(4, n - i);
            lanes.Clear();
            for (int j = 0; j < count; j++) lanes[j] = x[i + j];
            Erf(Vector256.Create<double>(lanes), c).CopyTo(lanes);
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
