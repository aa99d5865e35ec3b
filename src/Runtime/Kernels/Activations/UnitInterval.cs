using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>Clamp to [0, 1] by compares, as <c>Math.Clamp</c> does: NaN fails both and passes through.</summary>
internal static class UnitInterval
{
    public static T Of<T>(T t) where T : IFloatingPointIeee754<T> => t < T.Zero ? T.Zero : t > T.One ? T.One : t;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> t)
    {
        t = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256<float>.Zero), Vector256<float>.Zero, t);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256<float>.One), Vector256<float>.One, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> t)
    {
        t = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512<float>.Zero), Vector512<float>.Zero, t);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512<float>.One), Vector512<float>.One, t);
    }
}
