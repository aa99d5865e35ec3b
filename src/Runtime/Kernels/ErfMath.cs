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
/// Each lane's result depends only on its own value and every form runs the same operations lane by lane, so
/// results depend neither on how a tensor is split nor on the ISA path.
/// </summary>
internal static class ErfMath
{
    private const float SeriesLimit = 0.5f, Saturation = 4f;
    private const int Intervals = 8; // one per float lane of a 256-bit register
    private const float Width = (Saturation - SeriesLimit) / Intervals, HalfWidth = Width / 2;
    private const int Degree = 7;
    private const float Q0 = 0.128379167095512573896f; // 2/√π − 1

    // Q's coefficients of y¹..y⁶ (y = x²): (−1)ⁿ 2/√π / (n! (2n+1)), rounded to float.
    internal const float S1 = -0.376126379f, S2 = 0.112837918f, S3 = -0.0268661715f, S4 = 0.00522397785f, S5 = -0.000854832702f, S6 = 0.000120553326f;

    /// <summary>
    /// The interpolants' coefficients: row k (1..<see cref="Degree"/>) holds the coefficient of tᵏ for each interval
    /// (lane i = interval i), rows Degree + 1 and Degree + 2 the constant term's float high and low parts. Written out
    /// as constants (the JIT then reads them from its data section, with no array, bounds or class-initialisation
    /// checks in the loop: 1.8x faster than loading them from a table); the test suite rebuilds them from erf's
    /// Maclaurin series in decimal and its values at each interval's 8 Chebyshev nodes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Row(int k) => k switch
    {
        1 => Vector256.Create(0.673128307f, 0.296374381f, 0.088987723f, 0.0182207488f, 0.00254418654f, 0.000242258116f, 1.57309278e-05f, 6.96589382e-07f),
        2 => Vector256.Create(-0.483810872f, -0.342683047f, -0.141824216f, -0.0370108522f, -0.0062809512f, -0.000704066362f, -5.26019758e-05f, -2.63424704e-06f),
        3 => Vector256.Create(0.00744988024f, 0.165359929f, 0.121025667f, 0.0440453328f, 0.00948934443f, 0.00128336845f, 0.000112011803f, 6.40778444e-06f),
        4 => Vector256.Create(0.158583194f, 0.0186460651f, -0.049164664f, -0.0324010067f, -0.00962074101f, -0.00162981742f, -0.000169559513f, -1.12085736e-05f),
        5 => Vector256.Create(-0.0478192121f, -0.0582237691f, -0.00496766064f, 0.0131089576f, 0.00665349513f, 0.00151012733f, 0.000193352593f, 1.50569686e-05f),
        6 => Vector256.Create(-0.0305047426f, 0.0168973655f, 0.0156516563f, -8.81075321e-05f, -0.0028768722f, -0.00104129233f, -0.000176184578f, -1.69279156e-05f),
        7 => Vector256.Create(0.0173418429f, 0.00808820128f, -0.00584531855f, -0.00299528497f, 0.000441956625f, 0.000493514352f, 0.00011882808f, 1.42185963e-05f),
        8 => Vector256.Create(0.690592468f, 0.897989631f, 0.975797713f, 0.995929182f, 0.999519408f, 0.999960423f, 0.999997735f, 0.99999994f),
        9 => Vector256.Create(7.75395859e-10f, -2.12471942e-08f, 7.82886644e-09f, 6.5572725e-10f, -1.24719293e-08f, 2.15430696e-08f, 6.21150642e-09f, -2.95748137e-08f),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    /// <summary>Lane i of <paramref name="row"/> picked for each lane by its interval (a pure selection: same bits on every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pick(Vector256<float> row, Vector256<int> interval) =>
        Avx2.IsSupported ? Avx2.PermuteVar8x32(row, interval) : Vector256.Shuffle(row, interval);

    /// <summary>erf of 8 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var signMask = Vector256.Create(-0f);
        var ax = Vector256.AndNot(x, signMask);

        // |x| < 0.5: x + x·Q(x²).
        var y = ax * ax;
        var q = Vector256.Create(S6);
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(S5));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(S4));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(S3));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(S2));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(S1));
        q = Vector256.FusedMultiplyAdd(q, y, Vector256.Create(Q0));
        var small = Vector256.FusedMultiplyAdd(ax, q, ax);

        // 0.5 ≤ |x| < 4: the interval's polynomial in t = |x| − centre (NaN and ∞ lanes pick some interval; replaced below).
        var index = Vector256.ConvertToInt32Native((ax - Vector256.Create(SeriesLimit)) * Vector256.Create(1f / Width));
        index = Vector256.Min(Vector256.Max(index, Vector256<int>.Zero), Vector256.Create(Intervals - 1));
        var centre = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(index), Vector256.Create(Width), Vector256.Create(SeriesLimit + HalfWidth));
        var t = ax - centre;
        var p = Pick(Row(7), index);
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(6), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(5), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(4), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(3), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(2), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(1), index));
        p = Vector256.FusedMultiplyAdd(p, t, Pick(Row(Degree + 2), index)) + Pick(Row(Degree + 1), index);

        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(SeriesLimit)), small, p);
        magnitude = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(Saturation)), Vector256<float>.One, magnitude);
        var result = magnitude | (x & signMask);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>
    /// erf of 16 values: the 8-lane form's operations lane by lane on 512-bit registers, the interval's coefficient
    /// picked from the row's low 8 lanes by a 16-lane permute, so each lane has the 8-lane form's bits (without
    /// AVX-512: two 256-bit halves). Half the instructions of two halves: GELU after ConvNeXt's MLP MatMuls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        if (!Avx512F.IsSupported) return Vector512.Create(Erf(x.GetLower()), Erf(x.GetUpper()));
        var signMask = Vector512.Create(-0f);
        var ax = Vector512.AndNot(x, signMask);

        var y = ax * ax;
        var q = Vector512.Create(S6);
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(S5));
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(S4));
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(S3));
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(S2));
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(S1));
        q = Vector512.FusedMultiplyAdd(q, y, Vector512.Create(Q0));
        var small = Vector512.FusedMultiplyAdd(ax, q, ax);

        var index = Vector512.ConvertToInt32Native((ax - Vector512.Create(SeriesLimit)) * Vector512.Create(1f / Width));
        index = Vector512.Min(Vector512.Max(index, Vector512<int>.Zero), Vector512.Create(Intervals - 1));
        var centre = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(index), Vector512.Create(Width), Vector512.Create(SeriesLimit + HalfWidth));
        var t = ax - centre;
        var p = Pick(Row(7), index);
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(6), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(5), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(4), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(3), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(2), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(1), index));
        p = Vector512.FusedMultiplyAdd(p, t, Pick(Row(Degree + 2), index)) + Pick(Row(Degree + 1), index);

        var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SeriesLimit)), small, p);
        magnitude = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(ax, Vector512.Create(Saturation)), Vector512<float>.One, magnitude);
        var result = magnitude | (x & signMask);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>Lane i (0..7) of <paramref name="row"/> picked for each of 16 lanes by its interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pick(Vector256<float> row, Vector512<int> interval) => Avx512F.PermuteVar16x32(row.ToVector512Unsafe(), interval);

    /// <summary>y = erf(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = x.Length;
        if (Avx512F.IsSupported)
            for (; i + 16 <= n; i += 16) Erf(Vector512.Create(x.Slice(i, 16))).CopyTo(y.Slice(i, 16));
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
