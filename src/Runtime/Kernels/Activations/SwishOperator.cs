using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// SiLU, x · Sigmoid(x) with <see cref="SigmoidOperator"/>: the unfused Mul(x, Sigmoid(x)). NaN gives x's own NaN,
/// selected explicitly: which of two NaN operands a multiply returns depends on the operand order the JIT picks.
/// </summary>
internal readonly struct SwishOperator : IActivationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => float.IsNaN(x) ? x : x * default(SigmoidOperator).Invoke(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, x), x * default(SigmoidOperator).Invoke(x), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), x * default(SigmoidOperator).Invoke(x), x);
}
