using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 erf (GELU's core in ConvNeXt and transformers), vectorised in float arithmetic at about 1 ulp (the
/// double form it replaced spent 14 % of ConvNeXt-T's samples widening and narrowing):
/// <list type="bullet">
/// <item>|x| &lt; 0.5: erf(x) = x + x·Q(x²), Q the Maclaurin series of erf(x)/x − 1 to x¹² (the next term is
/// below 1e-9 of the sum); adding x last keeps tiny and denormal x at full relative precision;</item>
/// <item>0.5 ≤ |x| &lt; 4: eight 0.4375-wide intervals, each with the degree-7 polynomial interpolating erf at
/// the interval's Chebyshev nodes (values summed in decimal, interpolation error ≤ ~1e-9), in t = |x| − centre.
/// The constant term is kept as float high + low parts, added last, so the result near 1 is rounded once. The
/// eight intervals' coefficients of one degree sit in one register, picked per lane by a permute;</item>
/// <item>|x| ≥ 4: ±1 (erf rounds to 1 in float32 from 3.92 on). NaN stays NaN; −0 stays −0.</item>
/// </list>
/// Each lane's result depends only on its own value and every form runs the same operations lane by lane (the
/// 512-bit form is two 256-bit halves), so results depend neither on how a tensor is split nor on the ISA path.
/// </summary>
internal static class ErfMath
{
    private const float SeriesLimit = 0.5f, Saturation = 4f;
    private const int Intervals = 8; // one per float lane of a 256-bit register
    private const float Width = (Saturation - SeriesLimit) / Intervals, HalfWidth = Width / 2;
    private const int Degree = 7;
    private const float Q0 = 0.128379167095512573896f; // 2/√π − 1

    private static readonly float[] Series = MakeSeries();
    // [k][interval] for k = 1..Degree (row 0 unused), then the constant term's high and low parts as rows Degree+1, Degree+2.
    private static readonly float[] Interpolants = MakeInterpolants();

    /// <summary>Q's coefficients of y¹..y⁶ (y = x²): (−1)ⁿ 2/√π / (n! (2n+1)).</summary>
    private static float[] MakeSeries()
    {
        var c = new float[7];
        double factorial = 1;
        for (int n = 1; n <= 6; n++)
        {
            factorial *= n;
            c[n] = (float)((n % 2 == 0 ? 1 : -1) * 2 / Math.Sqrt(Math.PI) / (factorial * (2 * n + 1)));
        }
        return c;
    }

    private static float[] MakeInterpolants()
    {
        const int nodes = Degree + 1;
        var table = GC.AllocateArray<float>((Degree + 3) * Intervals, pinned: true);
        for (int i = 0; i < Intervals; i++)
        {
            double centre = SeriesLimit + (2 * i + 1) * (double)HalfWidth;
            // Chebyshev coefficients from the values at the nodes u_j = cos(π (j + ½) / n).
            var chebyshev = new double[nodes];
            for (int j = 0; j < nodes; j++)
            {
                double angle = Math.PI * (j + 0.5) / nodes;
                double value = (double)ErfDecimal((decimal)(centre + HalfWidth * Math.Cos(angle)));
                for (int k = 0; k < nodes; k++) chebyshev[k] += 2.0 / nodes * value * Math.Cos(k * angle);
            }
            chebyshev[0] /= 2;
            // Σ a_k T_k(u) as monomials in u, with T_{k+1} = 2u T_k − T_{k−1}; then in t = u·HalfWidth.
            var monomial = new double[nodes];
            var previous = new double[nodes];
            var current = new double[nodes];
            previous[0] = 1;
            current[1] = 1;
            monomial[0] = chebyshev[0];
            monomial[1] = chebyshev[1];
            for (int k = 2; k < nodes; k++)
            {
                var next = new double[nodes];
                for (int m = 0; m < nodes; m++) next[m] = (m > 0 ? 2 * current[m - 1] : 0) - previous[m];
                for (int m = 0; m <= k; m++) monomial[m] += chebyshev[k] * next[m];
                (previous, current) = (current, next);
            }
            for (int k = 1; k <= Degree; k++) table[k * Intervals + i] = (float)(monomial[k] / Math.Pow(HalfWidth, k));
            float high = (float)monomial[0];
            table[(Degree + 1) * Intervals + i] = high;
            table[(Degree + 2) * Intervals + i] = (float)(monomial[0] - high);
        }
        return table;
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

    /// <summary>Lane i of <paramref name="row"/> picked for each lane by its interval (a pure selection: same bits on every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pick(Vector256<float> row, Vector256<int> interval) =>
        Avx2.IsSupported ? Avx2.PermuteVar8x32(row, interval) : Vector256.Shuffle(row, interval);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(int k) => Vector256.Create(Interpolants.AsSpan(k * Intervals, Intervals));

    /// <summary>erf of 8 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var signMask = Vector256.Create(-0f);
        var ax = Vector256.AndNot(x, signMask);

        // |x| < 0.5: x + x·Q(x²).
        var y = ax * ax;
        var series = Series;
        var q = Vector256.Create(series[6]);
        for (int n = 5; n >= 1; n--) q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(series[n]));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(Q0));
        var small = Vector256.FusedMultiplyAdd(ax, q, ax);

        // 0.5 ≤ |x| < 4: the interval's polynomial in t = |x| − centre (NaN and ∞ lanes pick some interval; replaced below).
        var index = Vector256.ConvertToInt32Native((ax - Vector256.Create(SeriesLimit)) * Vector256.Create(1f / Width));
        index = Vector256.Min(Vector256.Max(index, Vector256<int>.Zero), Vector256.Create(Intervals - 1));
        var centre = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(index), Vector256.Create(Width), Vector256.Create(SeriesLimit + HalfWidth));
        var t = ax - centre;
        var p = Pick(Row(Degree), index);
        for (int k = Degree - 1; k >= 1; k--) p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(k), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(Degree + 2), index)) + Pick(Row(Degree + 1), index);

        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(SeriesLimit)), small, p);
        magnitude = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(Saturation)), Vector256<float>.One, magnitude);
        var result = magnitude | (x & signMask);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>erf of 16 values: two 256-bit halves, so each lane has the 8-lane form's bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x) => Vector512.Create(Erf(x.GetLower()), Erf(x.GetUpper()));

    /// <summary>y = erf(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = x.Length;
        for (; i + 8 <= n; i += 8) Erf(Vector256.Create(x.Slice(i, 8))).CopyTo(y.Slice(i, 8));
        if (i < n)
        {
            Span<float> lanes = stackalloc float[8];
            lanes.Clear();
            x[i..].CopyTo(lanes);
            Erf(Vector256.Create<float>(lanes)).CopyTo(lanes);
            lanes[..(n - i)].CopyTo(y[i..]);
        }
    }

    public static float Scalar(float x) => Erf(Vector256.Create(x)).ToScalar();
}
