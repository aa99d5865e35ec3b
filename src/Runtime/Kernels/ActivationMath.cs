using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// An <see cref="Activation"/> (the kind and parameters a plan fused or an operator carries) mapped to its operator
/// struct (<see cref="ReluOperator"/>, <see cref="ClipOperator"/>, ...), where each rule is written once with its
/// scalar and vector forms. Used in a Conv/GEMM store, by the standalone Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid/
/// HardSwish operators and one value at a time, with the same bits every way.
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
        FusedActivation.Relu => default(ReluOperator).Invoke(v),
        FusedActivation.Clip => new ClipOperator(act.Min, act.Max).Invoke(v),
        FusedActivation.LeakyRelu => new LeakyReluOperator(act.Alpha).Invoke(v),
        _ => v,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ApplyInStore(Vector512<float> v, in Activation act) => act.Kind switch
    {
        FusedActivation.Relu => default(ReluOperator).Invoke(v),
        FusedActivation.Clip => new ClipOperator(act.Min, act.Max).Invoke(v),
        FusedActivation.LeakyRelu => new LeakyReluOperator(act.Alpha).Invoke(v),
        _ => v,
    };

    /// <summary>
    /// Whether a GEMM micro-kernel applies this activation in its store (<see cref="ApplyInStore(Vector512{float}, in Activation)"/>).
    /// The exp-based and clamped kinds are applied to each finished block of C instead (<see cref="PackedGemm"/>).
    /// </summary>
    public static bool InKernelStore(in Activation act) =>
        act.Kind is FusedActivation.None or FusedActivation.Relu or FusedActivation.Clip or FusedActivation.LeakyRelu;

    /// <summary>One value, by the operator's scalar form.</summary>
    public static float Scalar(float v, in Activation act) => With<ScalarForm, float>(act, new ScalarForm(v));

    /// <summary>Eight values, by the operator's 256-bit form.</summary>
    public static Vector256<float> Apply(Vector256<float> v, in Activation act) => With<Vector256Form, Vector256<float>>(act, new Vector256Form(v));

    /// <summary>Sixteen values, by the operator's 512-bit form.</summary>
    public static Vector512<float> Apply(Vector512<float> v, in Activation act) => With<Vector512Form, Vector512<float>>(act, new Vector512Form(v));

    /// <summary>Applies the activation in place to a contiguous run (kernels without a GEMM epilogue).</summary>
    public static void ApplyInPlace(Span<float> values, in Activation act, KernelIsa isa) => Apply(values, values, act, isa);

    /// <summary>y[..n] = act(x[..n]), large tensors split across the target's threads (a standalone activation operator).</summary>
    public static void Apply(float[] x, float[] y, int n, Activation act, KernelTarget target) =>
        ParallelRanges.Run(n, ParallelWork.ActivationValueCost, target, new Activated(x, y, act, target.Isa), align: 16);

    private readonly struct Activated(float[] x, float[] y, Activation act, KernelIsa isa) : IRangeWork
    {
        public void Run(int first, int count) => Apply(x.AsSpan(first, count), y.AsSpan(first, count), act, isa);
    }

    /// <summary>y = act(x) over a run on <see cref="ActivationLoop"/>; x and y may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y, in Activation act, KernelIsa isa)
    {
        if (act.Kind == FusedActivation.None) x.CopyTo(y);
        else With<RunForm, bool>(act, new RunForm(x, y, isa));
    }

    /// <summary>Something done with an operator, whichever it is (the one place a kind becomes its operator struct).</summary>
    private interface IOperatorUse<TResult>
    {
        TResult With<TOperator>(TOperator op) where TOperator : struct, IActivationOperator;
    }

    private static TResult With<TUse, TResult>(in Activation act, TUse use) where TUse : IOperatorUse<TResult>, allows ref struct =>
        act.Kind switch
        {
            FusedActivation.Relu => use.With(default(ReluOperator)),
            FusedActivation.Clip => use.With(new ClipOperator(act.Min, act.Max)),
            FusedActivation.LeakyRelu => use.With(new LeakyReluOperator(act.Alpha)),
            FusedActivation.Sigmoid => use.With(default(SigmoidOperator)),
            FusedActivation.Swish => use.With(default(SwishOperator)),
            FusedActivation.HardSigmoid => use.With(new HardSigmoidOperator(act.Alpha, act.Beta)),
            FusedActivation.HardSwish => use.With(default(HardSwishOperator)),
            FusedActivation.Gelu => use.With(new GeluOperator(act.Alpha)),
            FusedActivation.HardSwishMulDiv => use.With(new DecomposedHardSwishOperator(false, act.Alpha, act.Min)),
            FusedActivation.HardSwishDivMul => use.With(new DecomposedHardSwishOperator(true, act.Alpha, act.Min)),
            _ => use.With(default(IdentityOperator)),
        };

    private readonly struct ScalarForm(float v) : IOperatorUse<float>
    {
        public float With<TOperator>(TOperator op) where TOperator : struct, IActivationOperator => op.Invoke(v);
    }

    private readonly struct Vector256Form(Vector256<float> v) : IOperatorUse<Vector256<float>>
    {
        public Vector256<float> With<TOperator>(TOperator op) where TOperator : struct, IActivationOperator => op.Invoke(v);
    }

    private readonly struct Vector512Form(Vector512<float> v) : IOperatorUse<Vector512<float>>
    {
        public Vector512<float> With<TOperator>(TOperator op) where TOperator : struct, IActivationOperator => op.Invoke(v);
    }

    private readonly ref struct RunForm(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa) : IOperatorUse<bool>
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;

        public bool With<TOperator>(TOperator op) where TOperator : struct, IActivationOperator
        {
            ActivationLoop.Run(_x, _y, op, isa);
            return true;
        }
    }

    private readonly struct IdentityOperator : IActivationOperator
    {
        public float Invoke(float x) => x;
        public Vector256<float> Invoke(Vector256<float> x) => x;
        public Vector512<float> Invoke(Vector512<float> x) => x;
    }
}
