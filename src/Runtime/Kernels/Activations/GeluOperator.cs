using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// GELU as the chain PyTorch exports, step by step in float32 with each step rounded as the separate nodes round
/// it: t = x / divisor (Div), e = erf(t) (<see cref="ErfMath"/>, lane by lane as the Erf node), a = e + 1 (Add),
/// m = x · a (Mul), m · 0.5 (Mul); so the fused chain gives the unfused nodes' bits. NaN gives x's own NaN (which
/// of two NaN operands a multiply returns depends on the operand order the JIT picks).
/// </summary>
internal readonly struct GeluOperator(float divisor) : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => float.IsNaN(x) ? x : x * (ErfMath.Scalar(x / divisor) + 1f) * 0.5f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var e = ErfMath.Erf(x / Vector256.Create(divisor));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), x * (e + Vector256<float>.One) * Vector256.Create(0.5f), x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) => Combine(x, ErfMath.Erf(x / Vector512.Create(divisor)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Combine(Vector512<float> x, Vector512<float> erf) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), x * (erf + Vector512<float>.One) * Vector512.Create(0.5f), x);

    /// <summary>
    /// y = GELU(x) over a run, 32 values at a time on AVX-512 (erf's four independent 512-bit chains need 32 to
    /// hide their latency; half the time per value of 16 at a time), the rest by <see cref="ActivationLoop"/>.
    /// </summary>
    public static void Run(ReadOnlySpan<float> x, Span<float> y, float divisor, KernelIsa isa)
    {
        if (y.Length < x.Length) throw new ArgumentException($"destination holds {y.Length} values, the source {x.Length}", nameof(y));
        int i = 0;
        if (Avx512F.IsSupported && KernelSupport.Limit(isa) == KernelIsa.Avx512)
        {
            var d = Vector512.Create(divisor);
            for (; i + 32 <= x.Length; i += 32)
            {
                var a = Vector512.Create(x.Slice(i, 16));
                var b = Vector512.Create(x.Slice(i + 16, 16));
                var (ea, eb) = ErfMath.Erf32(a / d, b / d);
                Combine(a, ea).CopyTo(y.Slice(i, 16));
                Combine(b, eb).CopyTo(y.Slice(i + 16, 16));
            }
        }
        ActivationLoop.Run(x[i..], y[i..], new GeluOperator(divisor), isa);
    }
}
