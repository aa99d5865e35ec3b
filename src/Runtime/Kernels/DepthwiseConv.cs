using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Direct 1-D/2-D depthwise convolution (group == C == M, one filter per channel), as in MobileNet and
/// PaddleOCR. Through GEMM each channel would be a 1-row matrix product, wasting 5 of 6 micro-kernel rows.
/// Here the work unit is a block of 8 channels: the block's input planes are interleaved into [position][8]
/// (<see cref="ChannelBlockLayout"/>), so one vector is one position of 8 channels and every tap, at any
/// stride or dilation, is one load and one multiply-add for 8 outputs. Small maps (7x7, 14x14) then use
/// all lanes, where vectorising along a row wasted most of them and paid a per-row setup.
/// Each output position sums exactly its valid taps (ranges precomputed per output row and column), so
/// there are no padded copies; positions whose taps are all inside take a 4-wide path with no range checks.
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
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _dw, _ph, _pw;
    // Valid kernel rows for each output row and valid kernel columns for each output column.
    private readonly int[] _rowTapStart, _rowTapEnd, _columnTapStart, _columnTapEnd;
    // Output columns [start, end) whose kernel columns are all inside the input.
    private readonly int _innerStart, _innerEnd;
    // Offset of tap (kh, kw) from the tap (0, 0) in the block layout.
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
        if (g.SpatialRank == 1)
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (1, 1, 1, 1, 1, 0);
            (_iw, _ow, _kw, _sw, _dw, _pw) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        }
        else
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
            (_iw, _ow, _kw, _sw, _dw, _pw) = (g.InputSpatial[1], g.OutputSpatial[1], g.Kernel[1], g.Strides[1], g.Dilations[1], g.PadsBegin[1]);
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
        (_rowTapStart, _rowTapEnd) = ValidTaps(_oh, _ih, _kh, _sh, _dh, _ph);
        (_columnTapStart, _columnTapEnd) = ValidTaps(_ow, _iw, _kw, _sw, _dw, _pw);
        _innerStart = 0;
        while (_innerStart < _ow && !IsFull(_innerStart)) _innerStart++;
        _innerEnd = _innerStart;
        while (_innerEnd < _ow && IsFull(_innerEnd)) _innerEnd++;
        _tapOffset = new int[taps];
        for (int kh = 0; kh < _kh; kh++)
            for (int kw = 0; kw < _kw; kw++)
                _tapOffset[kh * _kw + kw] = (kh * _dh * _iw + kw * _dw) * Lanes;
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

    private bool IsFull(int column) => _columnTapStart[column] == 0 && _columnTapEnd[column] == _kw;

    /// <summary>For each output index o, the kernel offsets k with 0 ≤ o·stride − pad + k·dilation &lt; input.</summary>
    private static (int[] Start, int[] End) ValidTaps(int outputs, int input, int kernel, int stride, int dilation, int pad)
    {
        var start = new int[outputs];
        var end = new int[outputs];
        for (int o = 0; o < outputs; o++)
        {
            int origin = o * stride - pad, k = 0;
            while (k < kernel && origin + k * dilation < 0) k++;
            start[o] = k;
            while (k < kernel && origin + k * dilation < input) k++;
            end[o] = Math.Max(start[o], k);
        }
        return (start, end);
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
        int bandRows = Math.Max(1, BandPositions / _ow);
        float* input = ThreadScratch.Get((int)(inPlane * Lanes) + bandRows * _ow * Lanes);
        float* band = input + inPlane * Lanes;
        ChannelBlockLayout.Gather(x + ((long)batch * _channels + channel) * inPlane, inPlane, channels, (int)inPlane, input);
        float* outFirst = y + ((long)batch * _channels + channel) * outPlane;
        fixed (float* weightsAll = _weights)
        fixed (float* biasAll = _bias)
        {
            float* w = weightsAll + (long)block * _kh * _kw * Lanes;
            var bias = Vector256.Load(biasAll + block * Lanes);
            for (int row0 = 0; row0 < _oh; row0 += bandRows)
            {
                int row1 = Math.Min(_oh, row0 + bandRows);
                for (int oh = row0; oh < row1; oh++)
                    ComputeRow(input, w, bias, oh, band + (long)(oh - row0) * _ow * Lanes);
                int positions = (row1 - row0) * _ow;
                // Lanes past the last channel hold garbage after this but are never scattered.
                if (_activation.Kind != FusedActivation.None)
                    ActivationMath.ApplyInPlace(new Span<float>(band, positions * Lanes), _activation, isa);
                ChannelBlockLayout.Scatter(band, channels, positions, outFirst + (long)row0 * _ow, outPlane);
            }
        }
    }

    /// <summary>One output row of the block, in the block layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeRow(float* input, float* w, Vector256<float> bias, int oh, float* output)
    {
        int khStart = _rowTapStart[oh], khEnd = _rowTapEnd[oh];
        int rowOrigin = oh * _sh - _ph;
        bool fullRow = khStart == 0 && khEnd == _kh;
        int innerStart = fullRow ? _innerStart : _ow, innerEnd = fullRow ? _innerEnd : _ow;
        for (int ow = 0; ow < innerStart; ow++) ComputeBorder(input, w, bias, khStart, khEnd, rowOrigin, ow, output);
        int taps = _kh * _kw;
        int ow4 = innerStart;
        fixed (int* tapOffset = _tapOffset)
        {
            long step = (long)_sw * Lanes;
            for (; ow4 + 4 <= innerEnd; ow4 += 4)
            {
                float* origin = input + ((long)rowOrigin * _iw + ow4 * _sw - _pw) * Lanes;
                Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
                for (int t = 0; t < taps; t++)
                {
                    var wt = Vector256.Load(w + t * Lanes);
                    float* p = origin + tapOffset[t];
                    a0 = MultiplyAdd(Vector256.Load(p), wt, a0);
                    a1 = MultiplyAdd(Vector256.Load(p + step), wt, a1);
                    a2 = MultiplyAdd(Vector256.Load(p + 2 * step), wt, a2);
                    a3 = MultiplyAdd(Vector256.Load(p + 3 * step), wt, a3);
                }
                float* o = output + (long)ow4 * Lanes;
                Vector256.Store(a0, o);
                Vector256.Store(a1, o + Lanes);
                Vector256.Store(a2, o + 2 * Lanes);
                Vector256.Store(a3, o + 3 * Lanes);
            }
            for (; ow4 < innerEnd; ow4++)
            {
                float* p = input + ((long)rowOrigin * _iw + ow4 * _sw - _pw) * Lanes;
                var a = bias;
                for (int t = 0; t < taps; t++) a = MultiplyAdd(Vector256.Load(p + tapOffset[t]), Vector256.Load(w + t * Lanes), a);
                Vector256.Store(a, output + (long)ow4 * Lanes);
            }
        }
        for (int ow = Math.Max(innerEnd, innerStart); ow < _ow; ow++) ComputeBorder(input, w, bias, khStart, khEnd, rowOrigin, ow, output);
    }

    /// <summary>One output position summing only its valid taps, in the same order as the inner path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeBorder(float* input, float* w, Vector256<float> bias, int khStart, int khEnd, int rowOrigin, int ow, float* output)
    {
        int kwStart = _columnTapStart[ow], kwEnd = _columnTapEnd[ow];
        int columnOrigin = ow * _sw - _pw;
        var a = bias;
        for (int kh = khStart; kh < khEnd; kh++)
        {
            float* row = input + ((long)(rowOrigin + kh * _dh) * _iw + columnOrigin) * Lanes;
            float* wr = w + kh * _kw * Lanes;
            for (int kw = kwStart; kw < kwEnd; kw++)
                a = MultiplyAdd(Vector256.Load(row + kw * _dw * Lanes), Vector256.Load(wr + kw * Lanes), a);
        }
        Vector256.Store(a, output + (long)ow * Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> w, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, w, sum) : sum + x * w;
}
