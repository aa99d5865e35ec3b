using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Relu as <c>x &lt;= 0 ? 0 : x</c>: NaN fails the comparison and passes through (fused or not), −0 becomes +0.
/// The same rule in every precision (<see cref="Of{T}"/>).
/// </summary>
internal readonly struct ReluOperator : IActivationOperator
{
    public static T Of<T>(T x) where T : IFloatingPointIeee754<T> => x <= T.Zero ? T.Zero : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => Of(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
}
