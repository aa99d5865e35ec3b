using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Clip(x, min, max) as <c>t = x &gt; min ? x : min; t &lt; max ? t : max</c>, with NaN passed through (as numpy's clip
/// and ORT's CPU Clip do), fused into a Conv/GEMM or not. A NaN bound means no bound. Written as compares and
/// selects rather than the native max/min instructions, whose NaN and ±0 results differ by platform.
/// </summary>
internal readonly struct ClipOperator : IActivationOperator
{
    private readonly float _min, _max;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call left in a GEMM kernel's store spills its accumulators
    public ClipOperator(float min, float max)
    {
        _min = float.IsNaN(min) ? float.NegativeInfinity : min;
        _max = float.IsNaN(max) ? float.PositiveInfinity : max;
    }

    /// <summary>The rule in any precision (the double executor uses it too).</summary>
    public static T Of<T>(T x, T min, T max) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(x)) return x;
        T t = x > min || T.IsNaN(min) ? x : min;
        return t < max || T.IsNaN(max) ? t : max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x)
    {
        if (float.IsNaN(x)) return x;
        float t = x > _min ? x : _min;
        return t < _max ? t : _max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> min = Vector256.Create(_min), max = Vector256.Create(_max);
        var t = Vector256.ConditionalSelect(Vector256.GreaterThan(x, min), x, min);
        t = Vector256.ConditionalSelect(Vector256.LessThan(t, max), t, max);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), t, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> min = Vector512.Create(_min), max = Vector512.Create(_max);
        var t = Vector512.ConditionalSelect(Vector512.GreaterThan(x, min), x, min);
        t = Vector512.ConditionalSelect(Vector512.LessThan(t, max), t, max);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), t, x);
    }
}
