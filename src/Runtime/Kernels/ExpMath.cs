using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 e^x for Sigmoid and SiLU, in float arithmetic. The runtime's vector Exp widens to double (half of
/// EfficientNet-B0's SiLU time went there); this one stays in float at about 1 ulp:
/// <list type="bullet">
/// <item>x = n·ln2 + r with n = round(x·log2 e) and |r| ≤ ln2/2, r computed with ln2 split in two (the high part
/// has 16 significant bits, so n·ln2_hi is exact for |n| ≤ 2⁸) by fused multiply-adds;</item>
/// <item>e^r by its Taylor series to r⁷/7! in Horner form: the next term is below 3e-9 of the sum, far under
/// float's half ulp (6e-8), so the error is the Horner roundings';</item>
/// <item>2ⁿ applied as two exponent-built factors 2^⌊n/2⌋·2^(n−⌊n/2⌋), each a normal float, so results
/// overflow to +∞ and go through the denormals to 0 as the true value does (x is first clamped to [−104, 89],
/// beyond which e^x is 0 or +∞ in float).</item>
/// </list>
/// NaN in, NaN out is the caller's rule (the lanes compute garbage). All forms run the same operations lane by
/// lane, so the 256- and 512-bit forms give the same bits.
/// </summary>
internal static class ExpMath
{
    private const float Low = -104f, High = 89f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693145751953125f;        // 0x3F317200: 16 significant bits
    private const float Ln2Low = 1.42860676533018704e-6f;    // ln 2 − Ln2High
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(Low)), Vector256.Create(High));
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2High), x);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C7), r, Vector256.Create(C6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var k = Vector256.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(k, 1);
        var first = (half + Vector256.Create(127)) << 23;
        var second = (k - half + Vector256.Create(127)) << 23;
        return p * first.AsSingle() * second.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(Low)), Vector512.Create(High));
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2High), x);
        r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var k = Vector512.ConvertToInt32Native(n);
        var half = Vector512.ShiftRightArithmetic(k, 1);
        var first = (half + Vector512.Create(127)) << 23;
        var second = (k - half + Vector512.Create(127)) << 23;
        return p * first.AsSingle() * second.AsSingle();
    }
}
