using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The fused activations applied eight lanes at a time in kernel epilogues, with the same semantics as
/// <see cref="ReferenceConv.Apply"/> so the fast kernels and the oracle agree bit for bit on this step.
/// </summary>
internal static class ActivationMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> v, in Activation act)
    {
        switch (act.Kind)
        {
            case FusedActivation.Relu:
                // Max(v, 0) returns 0 for v = -0 and for NaN the same way the scalar "v > 0 ? v : 0" does.
                return Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
            case FusedActivation.Clip:
                // The Native forms compile to one vmaxps/vminps; NaN handling is not part of the contract.
                return Vector256.MinNative(Vector256.MaxNative(v, Vector256.Create(act.Min)), Vector256.Create(act.Max));
            case FusedActivation.LeakyRelu:
                return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * Vector256.Create(act.Alpha));
            default:
                return v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> v, in Activation act)
    {
        switch (act.Kind)
        {
            case FusedActivation.Relu:
                return Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
            case FusedActivation.Clip:
                return Vector512.MinNative(Vector512.MaxNative(v, Vector512.Create(act.Min)), Vector512.Create(act.Max));
            case FusedActivation.LeakyRelu:
                return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, v * Vector512.Create(act.Alpha));
            default:
                return v;
        }
    }

    /// <summary>Applies the activation in place to a contiguous run (used by kernels without a GEMM epilogue).</summary>
    public static void ApplyInPlace(Span<float> values, in Activation act)
    {
        if (act.Kind == FusedActivation.None) return;
        int i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            var v = Vector256.Create<float>(values.Slice(i, 8));
            Apply(v, act).CopyTo(values.Slice(i, 8));
        }
        for (; i < values.Length; i++) values[i] = ReferenceConv.Apply(values[i], act);
    }
}
