using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>LeakyRelu as <c>x &gt;= 0 ? x : x·alpha</c>: NaN takes the second branch and stays NaN; −0 stays −0.</summary>
internal readonly struct LeakyReluOperator(float alpha) : IActivationOperator
{
    public static T Of<T>(T x, T alpha) where T : IFloatingPointIeee754<T> => x >= T.Zero ? x : x * alpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => Of(x, alpha);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * Vector256.Create(alpha));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), x, x * Vector512.Create(alpha));
}
