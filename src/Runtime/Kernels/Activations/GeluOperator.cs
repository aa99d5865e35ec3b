using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
}
