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
/// block-layout input at its origin plus each tap's offset, all taps, into output[i]. Eight outputs at a time
/// (eight independent multiply-add chains), then one; 8 channels per vector (AVX2) or 16 (AVX-512), one generic
/// loop for both widths. Every output sums bias, then the taps in order, with fused multiply-adds, at any width.
/// </summary>
internal static unsafe class DepthwiseRuns
{
    /// <summary>Output i reads the input at origin + i·step positions: the positions of a run on the padded grid.</summary>
    public static void Run(float* origin, int count, float* output, in DepthwiseTaps taps, int step, int lanes)
    {
        if (lanes == 16)
        {
            if (step == 1) Run<Wide, Vector512<float>, UnitStep>(origin, count, output, taps, default);
            else if (step == 2) Run<Wide, Vector512<float>, DoubleStep>(origin, count, output, taps, default);
            else Run<Wide, Vector512<float>, AnyStep>(origin, count, output, taps, new AnyStep(step));
        }
        else
        {
            if (step == 1) Run<Narrow, Vector256<float>, UnitStep>(origin, count, output, taps, default);
            else if (step == 2) Run<Narrow, Vector256<float>, DoubleStep>(origin, count, output, taps, default);
            else Run<Narrow, Vector256<float>, AnyStep>(origin, count, output, taps, new AnyStep(step));
        }
    }

    /// <summary>
    /// Output i reads the input at origin + listed[i] positions: the positions of several rows at vertical stride
    /// > 1, eight at a time across row ends.
    /// </summary>
    public static void RunListed(float* origin, int* listed, int count, float* output, in DepthwiseTaps taps, int lanes)
    {
        if (lanes == 16) Run<Wide, Vector512<float>, Listed>(origin, count, output, taps, new Listed(listed));
        else Run<Narrow, Vector256<float>, Listed>(origin, count, output, taps, new Listed(listed));
    }

    // Where output i's input starts, in positions from the run's origin; constant steps for strides 1 and 2 so the
    // loads' offsets fold.
    private interface IPositions { long Of(int i); }
    private readonly struct UnitStep : IPositions { public long Of(int i) => i; }
    private readonly struct DoubleStep : IPositions { public long Of(int i) => 2L * i; }
    private readonly struct AnyStep(int step) : IPositions { public long Of(int i) => (long)step * i; }
    private readonly struct Listed(int* listed) : IPositions { public long Of(int i) => listed[i]; }

    /// <summary>One vector width's operations.</summary>
    private interface IWidth<TVector>
    {
        static abstract int Lanes { get; }
        static abstract TVector Load(float* p);
        static abstract TVector MultiplyAdd(TVector x, TVector w, TVector sum);
        static abstract void Store(TVector v, in Activation act, float* p);
    }

    private readonly struct Narrow : IWidth<Vector256<float>>
    {
        public static int Lanes => 8;
        public static Vector256<float> Load(float* p) => Vector256.Load(p);
        public static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> w, Vector256<float> sum) => Vector256.FusedMultiplyAdd(x, w, sum);
        public static void Store(Vector256<float> v, in Activation act, float* p) => Vector256.Store(ActivationMath.ApplyInStore(v, act), p);
    }

    private readonly struct Wide : IWidth<Vector512<float>>
    {
        public static int Lanes => 16;
        public static Vector512<float> Load(float* p) => Vector512.Load(p);
        public static Vector512<float> MultiplyAdd(Vector512<float> x, Vector512<float> w, Vector512<float> sum) => Vector512.FusedMultiplyAdd(x, w, sum);
        public static void Store(Vector512<float> v, in Activation act, float* p) => Vector512.Store(ActivationMath.ApplyInStore(v, act), p);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TWidth, TVector, TPositions>(float* origin, int count, float* output, in DepthwiseTaps taps, TPositions at)
        where TWidth : struct, IWidth<TVector> where TVector : struct where TPositions : struct, IPositions
    {
        int lanes = TWidth.Lanes, n = taps.Count, ws = taps.WeightStride;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = TWidth.Load(taps.Bias);
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* b0 = origin + at.Of(i) * lanes, b1 = origin + at.Of(i + 1) * lanes, b2 = origin + at.Of(i + 2) * lanes, b3 = origin + at.Of(i + 3) * lanes;
            float* b4 = origin + at.Of(i + 4) * lanes, b5 = origin + at.Of(i + 5) * lanes, b6 = origin + at.Of(i + 6) * lanes, b7 = origin + at.Of(i + 7) * lanes;
            TVector a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = TWidth.Load(w + t * ws);
                long o = (long)offsets[t] * lanes;
                a0 = TWidth.MultiplyAdd(TWidth.Load(b0 + o), wt, a0);
                a1 = TWidth.MultiplyAdd(TWidth.Load(b1 + o), wt, a1);
                a2 = TWidth.MultiplyAdd(TWidth.Load(b2 + o), wt, a2);
                a3 = TWidth.MultiplyAdd(TWidth.Load(b3 + o), wt, a3);
                a4 = TWidth.MultiplyAdd(TWidth.Load(b4 + o), wt, a4);
                a5 = TWidth.MultiplyAdd(TWidth.Load(b5 + o), wt, a5);
                a6 = TWidth.MultiplyAdd(TWidth.Load(b6 + o), wt, a6);
                a7 = TWidth.MultiplyAdd(TWidth.Load(b7 + o), wt, a7);
            }
            float* y = output + (long)i * lanes;
            TWidth.Store(a0, act, y);
            TWidth.Store(a1, act, y + lanes);
            TWidth.Store(a2, act, y + 2 * lanes);
            TWidth.Store(a3, act, y + 3 * lanes);
            TWidth.Store(a4, act, y + 4 * lanes);
            TWidth.Store(a5, act, y + 5 * lanes);
            TWidth.Store(a6, act, y + 6 * lanes);
            TWidth.Store(a7, act, y + 7 * lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + at.Of(i) * lanes;
            var a = bias;
            for (int t = 0; t < n; t++) a = TWidth.MultiplyAdd(TWidth.Load(p + (long)offsets[t] * lanes), TWidth.Load(w + t * ws), a);
            TWidth.Store(a, act, output + (long)i * lanes);
        }
    }
}
