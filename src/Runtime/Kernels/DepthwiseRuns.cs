using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>A depthwise block's filter as a run reads it: weights [tap][stride], bias, tap offsets (positions), the in-store activation.</summary>
internal readonly unsafe struct DepthwiseTaps(float* weights, int weightStride, float* bias, int* offsets, int count, Activation store)
{
    public readonly float* Weights = weights;
    public readonly int WeightStride = weightStride;
    public readonly float* Bias = bias;
    public readonly int* Offsets = offsets;
    public readonly int Count = count;
    public readonly Activation Store = store;
}

/// <summary>
/// The inner loop of <see cref="DepthwiseConv"/>: outputs i = 0..count−1 of a run, output i reading the padded
/// block-layout input at origin + i·step positions plus each tap's offset, all taps, into output[i]. Eight outputs
/// at a time (eight independent multiply-add chains), then four, then one; 8 channels per vector (AVX2) or 16
/// (AVX-512). Every output sums bias, then the taps in order, with fused multiply-adds, at any width.
/// </summary>
internal static unsafe class DepthwiseRuns
{
    public static void Run(float* origin, int count, float* output, in DepthwiseTaps taps, int step, int lanes)
    {
        if (lanes == 16)
        {
            if (step == 1) Run512<UnitStep>(origin, count, output, taps, default);
            else if (step == 2) Run512<DoubleStep>(origin, count, output, taps, default);
            else Run512(origin, count, output, taps, new AnyStep(step));
        }
        else
        {
            if (step == 1) Run256<UnitStep>(origin, count, output, taps, default);
            else if (step == 2) Run256<DoubleStep>(origin, count, output, taps, default);
            else Run256(origin, count, output, taps, new AnyStep(step));
        }
    }

    // The input step between neighbouring outputs in positions, a constant for strides 1 and 2 so the loads' offsets fold.
    private interface IStep { int Positions { get; } }
    private readonly struct UnitStep : IStep { public int Positions => 1; }
    private readonly struct DoubleStep : IStep { public int Positions => 2; }
    private readonly struct AnyStep(int positions) : IStep { public int Positions => positions; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run256<TStep>(float* origin, int count, float* output, in DepthwiseTaps taps, TStep step) where TStep : struct, IStep
    {
        const int lanes = 8;
        long s = (long)step.Positions * lanes;
        int n = taps.Count, ws = taps.WeightStride;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = Vector256.Load(taps.Bias);
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* start = origin + i * s;
            Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector256.Load(w + t * ws);
                float* p = start + offsets[t] * lanes;
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(p), wt, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(p + s), wt, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 2 * s), wt, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 3 * s), wt, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 4 * s), wt, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 5 * s), wt, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 6 * s), wt, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 7 * s), wt, a7);
            }
            float* o = output + (long)i * lanes;
            Vector256.Store(ActivationMath.ApplyInStore(a0, act), o);
            Vector256.Store(ActivationMath.ApplyInStore(a1, act), o + lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a2, act), o + 2 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a3, act), o + 3 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a4, act), o + 4 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a5, act), o + 5 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a6, act), o + 6 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a7, act), o + 7 * lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + i * s;
            var a = bias;
            for (int t = 0; t < n; t++) a = Vector256.FusedMultiplyAdd(Vector256.Load(p + offsets[t] * lanes), Vector256.Load(w + t * ws), a);
            Vector256.Store(ActivationMath.ApplyInStore(a, act), output + (long)i * lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512<TStep>(float* origin, int count, float* output, in DepthwiseTaps taps, TStep step) where TStep : struct, IStep
    {
        const int lanes = 16;
        long s = (long)step.Positions * lanes;
        int n = taps.Count, ws = taps.WeightStride;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = Vector512.Load(taps.Bias);
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* start = origin + i * s;
            Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector512.Load(w + t * ws);
                float* p = start + offsets[t] * lanes;
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(p), wt, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(p + s), wt, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 2 * s), wt, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 3 * s), wt, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 4 * s), wt, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 5 * s), wt, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 6 * s), wt, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 7 * s), wt, a7);
            }
            float* o = output + (long)i * lanes;
            Vector512.Store(ActivationMath.ApplyInStore(a0, act), o);
            Vector512.Store(ActivationMath.ApplyInStore(a1, act), o + lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a2, act), o + 2 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a3, act), o + 3 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a4, act), o + 4 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a5, act), o + 5 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a6, act), o + 6 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a7, act), o + 7 * lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + i * s;
            var a = bias;
            for (int t = 0; t < n; t++) a = Vector512.FusedMultiplyAdd(Vector512.Load(p + offsets[t] * lanes), Vector512.Load(w + t * ws), a);
            Vector512.Store(ActivationMath.ApplyInStore(a, act), output + (long)i * lanes);
        }
    }
    /// <summary>
    /// Outputs i = 0..count−1, output i reading the input at origin + listed[i] positions plus each tap's offset:
    /// the positions of several rows at vertical stride > 1, eight at a time across row ends.
    /// </summary>
    public static void RunListed(float* origin, int* listed, int count, float* output, in DepthwiseTaps taps, int lanes)
    {
        if (lanes == 16) RunListed512(origin, listed, count, output, taps);
        else RunListed256(origin, listed, count, output, taps);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunListed256(float* origin, int* listed, int count, float* output, in DepthwiseTaps taps)
    {
        const int lanes = 8;
        int n = taps.Count, ws = taps.WeightStride;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = Vector256.Load(taps.Bias);
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* b0 = origin + listed[i] * lanes, b1 = origin + listed[i + 1] * lanes, b2 = origin + listed[i + 2] * lanes, b3 = origin + listed[i + 3] * lanes;
            float* b4 = origin + listed[i + 4] * lanes, b5 = origin + listed[i + 5] * lanes, b6 = origin + listed[i + 6] * lanes, b7 = origin + listed[i + 7] * lanes;
            Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector256.Load(w + t * ws);
                long o = offsets[t] * lanes;
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(b0 + o), wt, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(b1 + o), wt, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(b2 + o), wt, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(b3 + o), wt, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.Load(b4 + o), wt, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.Load(b5 + o), wt, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.Load(b6 + o), wt, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.Load(b7 + o), wt, a7);
            }
            float* y = output + (long)i * lanes;
            Vector256.Store(ActivationMath.ApplyInStore(a0, act), y);
            Vector256.Store(ActivationMath.ApplyInStore(a1, act), y + lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a2, act), y + 2 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a3, act), y + 3 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a4, act), y + 4 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a5, act), y + 5 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a6, act), y + 6 * lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a7, act), y + 7 * lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + listed[i] * lanes;
            var a = bias;
            for (int t = 0; t < n; t++) a = Vector256.FusedMultiplyAdd(Vector256.Load(p + offsets[t] * lanes), Vector256.Load(w + t * ws), a);
            Vector256.Store(ActivationMath.ApplyInStore(a, act), output + (long)i * lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunListed512(float* origin, int* listed, int count, float* output, in DepthwiseTaps taps)
    {
        const int lanes = 16;
        int n = taps.Count, ws = taps.WeightStride;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = Vector512.Load(taps.Bias);
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* b0 = origin + listed[i] * lanes, b1 = origin + listed[i + 1] * lanes, b2 = origin + listed[i + 2] * lanes, b3 = origin + listed[i + 3] * lanes;
            float* b4 = origin + listed[i + 4] * lanes, b5 = origin + listed[i + 5] * lanes, b6 = origin + listed[i + 6] * lanes, b7 = origin + listed[i + 7] * lanes;
            Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector512.Load(w + t * ws);
                long o = offsets[t] * lanes;
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(b0 + o), wt, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(b1 + o), wt, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(b2 + o), wt, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(b3 + o), wt, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Load(b4 + o), wt, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Load(b5 + o), wt, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Load(b6 + o), wt, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Load(b7 + o), wt, a7);
            }
            float* y = output + (long)i * lanes;
            Vector512.Store(ActivationMath.ApplyInStore(a0, act), y);
            Vector512.Store(ActivationMath.ApplyInStore(a1, act), y + lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a2, act), y + 2 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a3, act), y + 3 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a4, act), y + 4 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a5, act), y + 5 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a6, act), y + 6 * lanes);
            Vector512.Store(ActivationMath.ApplyInStore(a7, act), y + 7 * lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + listed[i] * lanes;
            var a = bias;
            for (int t = 0; t < n; t++) a = Vector512.FusedMultiplyAdd(Vector512.Load(p + offsets[t] * lanes), Vector512.Load(w + t * ws), a);
            Vector512.Store(ActivationMath.ApplyInStore(a, act), output + (long)i * lanes);
        }
    }
}
