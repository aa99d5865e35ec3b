using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>HardSigmoid, clamp(alpha·x + beta, 0, 1) by compares (as <c>Math.Clamp</c> does): NaN passes through.</summary>
internal readonly struct HardSigmoidOperator(float alpha, float beta) : IActivationOperator
{
    public static T Of<T>(T x, T alpha, T beta) where T : IFloatingPointIeee754<T> => UnitInterval.Of(alpha * x + beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => Of(x, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) => UnitInterval.Of(x * Vector256.Create(alpha) + Vector256.Create(beta));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) => UnitInterval.Of(x * Vector512.Create(alpha) + Vector512.Create(beta));
}
