using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>HardSwish, x · clamp(x/6 + 1/2, 0, 1): NaN passes through.</summary>
internal readonly struct HardSwishOperator : IActivationOperator
{
    public static T Of<T>(T x) where T : IFloatingPointIeee754<T> =>
        x * UnitInterval.Of(x / T.CreateTruncating(6) + T.CreateTruncating(0.5));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => Of(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) => x * UnitInterval.Of(x / Vector256.Create(6f) + Vector256.Create(0.5f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) => x * UnitInterval.Of(x / Vector512.Create(6f) + Vector512.Create(0.5f));
}
