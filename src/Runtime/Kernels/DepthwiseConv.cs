using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Direct 1-D/2-D depthwise convolution (group == C == M, one filter per channel), as in MobileNet and
/// PaddleOCR. Through GEMM each channel would be a 1-row matrix product, wasting 5 of 6 micro-kernel rows.
/// Here the work unit is a block of 8 channels: the block's input planes are interleaved into [position][8]
/// (<see cref="ChannelBlockLayout"/>), so one vector is one position of 8 channels and every tap, at any
/// stride or dilation, is one load and one multiply-add for 8 outputs.
/// The interleaved input is laid out with its zero padding around it, so every output position runs the
/// same branch-free loop over all taps (a padding tap adds an exact 0). Its rows are <see cref="_wq"/>·stride
/// positions wide, so at vertical stride 1 the output positions of several rows, laid out on that wider
/// grid, read their inputs at one constant step: a band of rows is one run of positions, computed 8 at a
/// time (8 independent multiply-add chains hide the latency), whatever the map's width. The grid's extra
/// columns are computed and dropped.
/// The summation order (bias, then taps row by row) depends only on the position, and a block's work is the
/// same whichever thread runs it, so results do not depend on the thread count.
/// </summary>
internal sealed unsafe class DepthwiseConv
{
    private const int Lanes = ChannelBlockLayout.Width;
    // Output positions computed into the block layout before they are scattered back to the planes: small
    // enough to stay in L1 next to the weights.
    private const int BandPositions = 1024;

    // [block][tap][8] and [block][8], zero in the lanes past the last channel.
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly Activation _activation;
    private readonly int _batch, _channels, _blocks;
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _ph, _pw;
    // The padded input: _paddedRows rows of _wq·_sw positions, input pixel (r, c) at (r + _ph, c + _pw).
    private readonly int _wq, _paddedWidth, _paddedRows;
    // Offset of tap (kh, kw) from the tap (0, 0) in the padded block layout.
    private readonly int[] _tapOffset;
    private readonly long _multiplyAdds;

    public static bool Supports(ConvGeometry g) =>
        g.SpatialRank <= 2 && g.Group == g.InChannels && g.Group == g.OutChannels && g.Group > 1;

    public DepthwiseConv(ConvGeometry g, float[] weights, float[]? bias, Activation activation)
    {
        _activation = activation;
        _batch = g.Batch;
        _channels = g.InChannels;
        _blocks = PackedGemm.CeilDiv(_channels, Lanes);
        int dh, dw;
        if (g.SpatialRank == 1)
        {
            (_ih, _oh, _kh, _sh, dh, _ph) = (1, 1, 1, 1, 1, 0);
            (_iw, _ow, _kw, _sw, dw, _pw) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        }
        else
        {
            (_ih, _oh, _kh, _sh, dh, _ph) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
            (_iw, _ow, _kw, _sw, dw, _pw) = (g.InputSpatial[1], g.OutputSpatial[1], g.Kernel[1], g.Strides[1], g.Dilations[1], g.PadsBegin[1]);
        }
        int taps = _kh * _kw;
        _weights = new float[_blocks * taps * Lanes];
        _bias = new float[_blocks * Lanes];
        for (int c = 0; c < _channels; c++)
        {
            int block = c / Lanes, lane = c % Lanes;
            for (int t = 0; t < taps; t++) _weights[(block * taps + t) * Lanes + lane] = weights[c * taps + t];
            if (bias is not null) _bias[c] = bias[c];
        }
        // Wide enough for the input after the left padding and for the last output column's taps.
        int width = Math.Max(_pw + _iw, (_ow - 1) * _sw + (_kw - 1) * dw + 1);
        _wq = PackedGemm.CeilDiv(width, _sw);
        _paddedWidth = _wq * _sw;
        _paddedRows = Math.Max(_ph + _ih, (_oh - 1) * _sh + (_kh - 1) * dh + 1);
        _tapOffset = new int[taps];
        for (int kh = 0; kh < _kh; kh++)
            for (int kw = 0; kw < _kw; kw++)
                _tapOffset[kh * _kw + kw] = (kh * dh * _paddedWidth + kw * dw) * Lanes;
        _multiplyAdds = (long)_batch * _channels * _oh * _ow * taps;
    }

    /// <summary>The weights in ONNX's [C, 1, kh, kw] order, read back from the block layout (exactly those given).</summary>
    public float[] Weights()
    {
        int taps = _kh * _kw;
        var w = new float[_channels * taps];
        for (int c = 0; c < _channels; c++)
            for (int t = 0; t < taps; t++) w[c * taps + t] = _weights[((c / Lanes) * taps + t) * Lanes + c % Lanes];
        return w;
    }

    public void Run(float* x, float* y, in KernelTarget target)
    {
        int tasks = _batch * _blocks;
        var isa = target.Isa;
        int threads = ParallelWork.Threads(_multiplyAdds * ParallelWork.DepthwiseCost, target, tasks);
        if (threads == 1)
        {
            for (int i = 0; i < tasks; i++) RunBlock(x, y, i, isa);
            return;
        }
        WorkerPool.Run(tasks, threads, new Blocks(this, x, y, isa));
    }

    // Task t is one image's block of 8 channels.
    private readonly struct Blocks(DepthwiseConv kernel, float* x, float* y, KernelIsa isa) : IParallelTasks
    {
        public void Run(int task) => kernel.RunBlock(x, y, task, isa);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunBlock(float* x, float* y, int task, KernelIsa isa)
    {
        int batch = task / _blocks, block = task % _blocks;
        int channel = block * Lanes, channels = Math.Min(Lanes, _channels - channel);
        long inPlane = (long)_ih * _iw, outPlane = (long)_oh * _ow;
        int bandRows = Math.Max(1, BandPositions / _wq);
        long paddedSize = (long)_paddedRows * _paddedWidth * Lanes;
        // One padded row of slack: the gap clearing after the last input row may run past the last padded row.
        float* input = ThreadScratch.Get((int)paddedSize + (_paddedWidth + bandRows * _wq) * Lanes);
        float* band = input + paddedSize + _paddedWidth * Lanes;
        GatherPadded(x + ((long)batch * _channels + channel) * inPlane, inPlane, channels, input);
        float* outFirst = y + ((long)batch * _channels + channel) * outPlane;
        // Relu/Clip/LeakyRelu are applied as the outputs are stored; the others to each finished band.
        bool inStore = ActivationMath.InKernelStore(_activation);
        fixed (float* weightsAll = _weights)
        fixed (float* biasAll = _bias)
        fixed (int* tapOffset = _tapOffset)
        {
            var taps = new Taps(weightsAll + (long)block * _kh * _kw * Lanes, tapOffset, _kh * _kw, Vector256.Load(biasAll + block * Lanes),
                inStore ? _activation : default);
            for (int row0 = 0; row0 < _oh; row0 += bandRows)
            {
                int row1 = Math.Min(_oh, row0 + bandRows), rows = row1 - row0;
                // The band holds the rows on the _wq-wide grid; at vertical stride 1 they are one run.
                if (_sh == 1)
                    ComputeRun(input + (long)row0 * _paddedWidth * Lanes, (rows - 1) * _wq + _ow, band, taps);
                else
                    for (int oh = row0; oh < row1; oh++)
                        ComputeRun(input + (long)oh * _sh * _paddedWidth * Lanes, _ow, band + (long)(oh - row0) * _wq * Lanes, taps);
                // Lanes past the last channel and the grid's extra columns hold garbage after this but are never scattered.
                if (!inStore)
                    ActivationMath.ApplyInPlace(new Span<float>(band, ((rows - 1) * _wq + _ow) * Lanes), _activation, isa);
                ChannelBlockLayout.Scatter(band, _wq, channels, rows, _ow, outFirst + (long)row0 * _ow, outPlane);
            }
        }
    }

    /// <summary>The block's input planes interleaved into the padded layout, padding zero.</summary>
    private void GatherPadded(float* planes, long inPlane, int channels, float* input)
    {
        long rowFloats = (long)_paddedWidth * Lanes, inRowFloats = (long)_iw * Lanes;
        float* firstRow = input + ((long)_ph * _paddedWidth + _pw) * Lanes;
        ChannelBlockLayout.Gather(planes, inPlane, channels, _ih, _iw, firstRow, _paddedWidth);
        new Span<float>(input, (int)(_ph * rowFloats + _pw * Lanes)).Clear();
        int gap = (_paddedWidth - _iw) * Lanes;
        for (int r = 0; r < _ih; r++) new Span<float>(firstRow + r * rowFloats + inRowFloats, gap).Clear();
        long end = (long)_paddedRows * rowFloats, filled = (_ph + _ih) * rowFloats;
        if (end > filled) new Span<float>(input + filled, (int)(end - filled)).Clear();
    }

    /// <summary>A block's filter: weights [tap][8], tap offsets in the padded layout, bias, and the activation applied in the store.</summary>
    private readonly struct Taps(float* weights, int* offsets, int count, Vector256<float> bias, Activation store)
    {
        public readonly Activation Store = store;
        public readonly float* Weights = weights;
        public readonly int* Offsets = offsets;
        public readonly int Count = count;
        public readonly Vector256<float> Bias = bias;
    }

    private void ComputeRun(float* origin, int count, float* output, in Taps taps)
    {
        if (_sw == 1) ComputeRun<UnitStep>(origin, count, output, taps, default);
        else if (_sw == 2) ComputeRun<DoubleStep>(origin, count, output, taps, default);
        else ComputeRun(origin, count, output, taps, new AnyStep(_sw * Lanes));
    }

    // The input step between neighbouring outputs, a constant for strides 1 and 2 so the loads' offsets fold.
    private interface IStep { long Floats { get; } }
    private readonly struct UnitStep : IStep { public long Floats => Lanes; }
    private readonly struct DoubleStep : IStep { public long Floats => 2 * Lanes; }
    private readonly struct AnyStep(long floats) : IStep { public long Floats => floats; }

    /// <summary>Outputs i = 0..count−1 from the input at origin + i·step, all taps, into output[i] (block layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeRun<TStep>(float* origin, int count, float* output, in Taps taps, TStep step) where TStep : struct, IStep
    {
        long s = step.Floats;
        int n = taps.Count;
        float* w = taps.Weights;
        int* offsets = taps.Offsets;
        var bias = taps.Bias;
        var act = taps.Store;
        int i = 0;
        for (; i + 8 <= count; i += 8)
        {
            float* start = origin + i * s;
            Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector256.Load(w + t * Lanes);
                float* p = start + offsets[t];
                a0 = MultiplyAdd(Vector256.Load(p), wt, a0);
                a1 = MultiplyAdd(Vector256.Load(p + s), wt, a1);
                a2 = MultiplyAdd(Vector256.Load(p + 2 * s), wt, a2);
                a3 = MultiplyAdd(Vector256.Load(p + 3 * s), wt, a3);
                a4 = MultiplyAdd(Vector256.Load(p + 4 * s), wt, a4);
                a5 = MultiplyAdd(Vector256.Load(p + 5 * s), wt, a5);
                a6 = MultiplyAdd(Vector256.Load(p + 6 * s), wt, a6);
                a7 = MultiplyAdd(Vector256.Load(p + 7 * s), wt, a7);
            }
            float* o = output + (long)i * Lanes;
            Vector256.Store(ActivationMath.ApplyInStore(a0, act), o);
            Vector256.Store(ActivationMath.ApplyInStore(a1, act), o + Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a2, act), o + 2 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a3, act), o + 3 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a4, act), o + 4 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a5, act), o + 5 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a6, act), o + 6 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a7, act), o + 7 * Lanes);
        }
        for (; i + 4 <= count; i += 4)
        {
            float* start = origin + i * s;
            Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
            for (int t = 0; t < n; t++)
            {
                var wt = Vector256.Load(w + t * Lanes);
                float* p = start + offsets[t];
                a0 = MultiplyAdd(Vector256.Load(p), wt, a0);
                a1 = MultiplyAdd(Vector256.Load(p + s), wt, a1);
                a2 = MultiplyAdd(Vector256.Load(p + 2 * s), wt, a2);
                a3 = MultiplyAdd(Vector256.Load(p + 3 * s), wt, a3);
            }
            float* o = output + (long)i * Lanes;
            Vector256.Store(ActivationMath.ApplyInStore(a0, act), o);
            Vector256.Store(ActivationMath.ApplyInStore(a1, act), o + Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a2, act), o + 2 * Lanes);
            Vector256.Store(ActivationMath.ApplyInStore(a3, act), o + 3 * Lanes);
        }
        for (; i < count; i++)
        {
            float* p = origin + i * s;
            var a = bias;
            for (int t = 0; t < n; t++) a = MultiplyAdd(Vector256.Load(p + offsets[t]), Vector256.Load(w + t * Lanes), a);
            Vector256.Store(ActivationMath.ApplyInStore(a, act), output + (long)i * Lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> w, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, w, sum) : sum + x * w;
}
