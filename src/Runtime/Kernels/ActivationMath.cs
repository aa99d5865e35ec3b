using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The activations, as the one definition every kernel uses: fused into a Conv/GEMM store (eight or sixteen
/// lanes at a time), in the standalone Relu/Sigmoid/HardSigmoid/HardSwish operators (<see cref="Apply(ReadOnlySpan{float}, Span{float}, in Activation)"/>),
/// and one value at a time (<see cref="Scalar"/>, which runs the vector code on one lane so that a kernel's
/// ragged edge and its vector body agree bit for bit). Sigmoid uses the runtime's vector Exp (1 ulp); NaN
/// propagates through every kind except Clip, whose NaN handling is not part of the contract.
/// </summary>
internal static class ActivationMath
{
    /// <summary>
    /// The store-step form for GEMM micro-kernels: only the <see cref="InKernelStore"/> kinds, and no call
    /// anywhere (a call site in the kernel, even one never taken, made the JIT spill its accumulators:
    /// 3x3 convs ran at a third of their speed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ApplyInStore(Vector256<float> v, in Activation act) => act.Kind switch
    {
        FusedActivation.Relu => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v),
        FusedActivation.Clip => Vector256.MinNative(Vector256.MaxNative(v, Vector256.Create(act.Min)), Vector256.Create(act.Max)),
        FusedActivation.LeakyRelu => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * Vector256.Create(act.Alpha)),
        _ => v,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ApplyInStore(Vector512<float> v, in Activation act) => act.Kind switch
    {
        FusedActivation.Relu => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v),
        FusedActivation.Clip => Vector512.MinNative(Vector512.MaxNative(v, Vector512.Create(act.Min)), Vector512.Create(act.Max)),
        FusedActivation.LeakyRelu => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, v * Vector512.Create(act.Alpha)),
        _ => v,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> v, in Activation act)
    {
        switch (act.Kind)
        {
            case FusedActivation.Relu:
                // v <= 0 ? 0 : v keeps NaN (as the standalone Relu does) and maps -0 to 0.
                return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
            case FusedActivation.Clip:
                // The Native forms compile to one vmaxps/vminps.
                return Vector256.MinNative(Vector256.MaxNative(v, Vector256.Create(act.Min)), Vector256.Create(act.Max));
            case FusedActivation.LeakyRelu:
                return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * Vector256.Create(act.Alpha));
            case FusedActivation.None:
                return v;
            default:
                return Elaborate(v, act);
        }
    }

    // The exp-based and clamped kinds stay out of line (the depthwise kernel's loop calls this per vector).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Elaborate(Vector256<float> v, Activation act) => act.Kind switch
    {
        FusedActivation.Sigmoid => Sigmoid(v),
        FusedActivation.Swish => v * Sigmoid(v),
        FusedActivation.HardSigmoid => Unit(v * Vector256.Create(act.Alpha) + Vector256.Create(act.Beta)),
        FusedActivation.HardSwish => v * Unit(v / Vector256.Create(6f) + Vector256.Create(0.5f)),
        _ => v,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> v, in Activation act)
    {
        switch (act.Kind)
        {
            case FusedActivation.Relu:
                return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
            case FusedActivation.Clip:
                return Vector512.MinNative(Vector512.MaxNative(v, Vector512.Create(act.Min)), Vector512.Create(act.Max));
            case FusedActivation.LeakyRelu:
                return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, v * Vector512.Create(act.Alpha));
            case FusedActivation.None:
                return v;
            default:
                return Elaborate(v, act);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Elaborate(Vector512<float> v, Activation act) => act.Kind switch
    {
        FusedActivation.Sigmoid => Sigmoid(v),
        FusedActivation.Swish => v * Sigmoid(v),
        FusedActivation.HardSigmoid => Unit(v * Vector512.Create(act.Alpha) + Vector512.Create(act.Beta)),
        FusedActivation.HardSwish => v * Unit(v / Vector512.Create(6f) + Vector512.Create(0.5f)),
        _ => v,
    };

    // 1 / (1 + e^-x): e^-x overflows to +inf below about -88, giving 0; NaN stays NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sigmoid(Vector256<float> v) =>
        Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Sigmoid(Vector512<float> v) =>
        Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-v));

    // Clamp to [0, 1] by compares, as Math.Clamp does: NaN passes through.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Unit(Vector256<float> t)
    {
        t = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256<float>.Zero), Vector256<float>.Zero, t);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256<float>.One), Vector256<float>.One, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Unit(Vector512<float> t)
    {
        t = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512<float>.Zero), Vector512<float>.Zero, t);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512<float>.One), Vector512<float>.One, t);
    }

    /// <summary>
    /// Whether a GEMM micro-kernel applies this activation in its store (<see cref="ApplyInStore(Vector512{float}, in Activation)"/>).
    /// The exp-based and clamped kinds are applied to each finished block of C instead (<see cref="PackedGemm"/>).
    /// </summary>
    public static bool InKernelStore(in Activation act) =>
        act.Kind is FusedActivation.None or FusedActivation.Relu or FusedActivation.Clip or FusedActivation.LeakyRelu;

    /// <summary>One value, through the same vector arithmetic (a lane's result does not depend on the others).</summary>
    public static float Scalar(float v, in Activation act) =>
        act.Kind == FusedActivation.None ? v : Apply(Vector256.Create(v), act).ToScalar();

    /// <summary>Applies the activation in place to a contiguous run (used by kernels without a GEMM epilogue).</summary>
    public static void ApplyInPlace(Span<float> values, in Activation act) => Apply(values, values, act);

    /// <summary>y = act(x) over a run; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y, in Activation act)
    {
        if (act.Kind == FusedActivation.None)
        {
            x.CopyTo(y);
            return;
        }
        int i = 0, n = x.Length;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
                Apply(Vector512.Create(x.Slice(i, 16)), act).CopyTo(y.Slice(i, 16));
        for (; i + 8 <= n; i += 8)
            Apply(Vector256.Create(x.Slice(i, 8)), act).CopyTo(y.Slice(i, 8));
        if (i == n) return;
        // The ragged end through one more vector, so it gets the vector body's exact arithmetic.
        Span<float> tail = stackalloc float[8];
        tail.Clear();
        x[i..].CopyTo(tail);
        Apply(Vector256.Create<float>(tail), act).CopyTo(tail);
        tail[..(n - i)].CopyTo(y[i..]);
    }
}
