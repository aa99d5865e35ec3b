using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Sigmoid as 1 / (1 + e^−x) with <see cref="ExpMath"/> (float, about 1 ulp; the runtime's vector Exp, which
/// widens to double, made SiLU a quarter of EfficientNet-B0's run): e^−x overflows to +∞ below about −88,
/// giving 0; NaN gives the input NaN itself. The scalar form runs the 256-bit form on one lane.
/// </summary>
internal readonly struct SigmoidOperator : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => Invoke(Vector256.Create(x)).ToScalar();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, x), Vector256<float>.One / (Vector256<float>.One + ExpMath.Exp(-x)), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), Vector512<float>.One / (Vector512<float>.One + ExpMath.Exp(-x)), x);
}
