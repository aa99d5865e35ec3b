using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Direct 1-D/2-D depthwise convolution (group == C == M, one filter per channel), as in MobileNet and
/// PaddleOCR. Through GEMM each channel would be a 1-row matrix product, wasting 5 of 6 micro-kernel rows.
/// Here the work unit is a block of 16 channels (8 on AVX2, or where only 8 are left): the block's input
/// planes are interleaved into [position][lanes] (<see cref="ChannelBlockLayout"/>), so one vector is one
/// position of the block and every tap, at any stride or dilation, is one load and one multiply-add.
/// The interleaved input is laid out with its zero padding around it, so every output position runs the
/// same branch-free loop over all taps (a padding tap adds an exact 0). Its rows are <see cref="_wq"/>·stride
/// positions wide, so at vertical stride 1 the output positions of several rows, laid out on that wider
/// grid, read their inputs at one constant step: a band of rows is one run of positions, computed 8 at a
/// time (8 independent multiply-add chains hide the latency), whatever the map's width. The grid's extra
/// columns are computed and dropped.
/// A task is one image's block over a range of output rows: with several threads and a block count that does
/// not share out evenly, the rows are cut in parts (each gathers its own input rows).
/// The summation order (bias, then taps row by row) depends only on the position, the same at either width
/// and in whichever task, so results do not depend on the thread count or on the instruction set.
/// </summary>
internal sealed unsafe class DepthwiseConv
{
    // Channels per block of the weights' layout and of a task; the widest vector.
    private const int Block = 16;
    // Floats of output computed into the block layout before they are scattered back to the planes: small
    // enough to stay in L1 next to the weights.
    private const int BandFloats = 8192;

    // [block][tap][16] and [block][16], zero in the lanes past the last channel.
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly Activation _activation;
    private readonly int _batch, _channels, _blocks;
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _ph, _pw;
    // The padded input: rows of _wq·_sw positions, input pixel (r, c) at (r + _ph, c + _pw).
    private readonly int _wq, _paddedWidth;
    // Offset in positions of tap (kh, kw) from the tap (0, 0) in the padded layout.
    private readonly int[] _tapOffset;
    // Output rows per band; at vertical stride > 1, each band position's input offset (positions) from its first row's.
    private readonly int _bandRows;
    private readonly int[] _bandOffsets;
    private readonly long _multiplyAdds;

    public static bool Supports(ConvGeometry g) =>
        g.SpatialRank <= 2 && g.Group == g.InChannels && g.Group == g.OutChannels && g.Group > 1;

    public DepthwiseConv(ConvGeometry g, float[] weights, float[]? bias, Activation activation)
    {
        _activation = activation;
        _batch = g.Batch;
        _channels = g.InChannels;
        _blocks = PackedGemm.CeilDiv(_channels, Block);
        int dw;
        if (g.SpatialRank == 1)
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (1, 1, 1, 1, 1, 0);
            (_iw, _ow, _kw, _sw, dw, _pw) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        }
        else
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
            (_iw, _ow, _kw, _sw, dw, _pw) = (g.InputSpatial[1], g.OutputSpatial[1], g.Kernel[1], g.Strides[1], g.Dilations[1], g.PadsBegin[1]);
        }
        int taps = _kh * _kw;
        _weights = new float[_blocks * taps * Block];
        _bias = new float[_blocks * Block];
        for (int c = 0; c < _channels; c++)
        {
            int block = c / Block, lane = c % Block;
            for (int t = 0; t < taps; t++) _weights[(block * taps + t) * Block + lane] = weights[c * taps + t];
            if (bias is not null) _bias[c] = bias[c];
        }
        // Wide enough for the input after the left padding and for the last output column's taps.
        int width = Math.Max(_pw + _iw, (_ow - 1) * _sw + (_kw - 1) * dw + 1);
        _wq = PackedGemm.CeilDiv(width, _sw);
        _paddedWidth = _wq * _sw;
        _tapOffset = new int[taps];
        for (int kh = 0; kh < _kh; kh++)
            for (int kw = 0; kw < _kw; kw++)
                _tapOffset[kh * _kw + kw] = kh * _dh * _paddedWidth + kw * dw;
        _multiplyAdds = (long)_batch * _channels * _oh * _ow * taps;
        _bandRows = Math.Max(1, BandFloats / (_wq * Block));
        // At vertical stride > 1 the rows' runs do not line up on one grid: the band's positions are listed, so runs
        // of 8 cross row ends (a 7x7 output is 6 runs of 8 and 1, not 7 runs of 7 single outputs).
        _bandOffsets = _sh == 1 ? [] : new int[Math.Min(_bandRows, _oh) * _ow];
        for (int j = 0; j < _bandOffsets.Length; j++) _bandOffsets[j] = j / _ow * _sh * _paddedWidth + j % _ow * _sw;
    }

    /// <summary>The weights in ONNX's [C, 1, kh, kw] order, read back from the block layout (exactly those given).</summary>
    public float[] Weights()
    {
        int taps = _kh * _kw;
        var w = new float[_channels * taps];
        for (int c = 0; c < _channels; c++)
            for (int t = 0; t < taps; t++) w[c * taps + t] = _weights[((c / Block) * taps + t) * Block + c % Block];
        return w;
    }

    public void Run(float* x, float* y, in KernelTarget target)
    {
        int blockTasks = _batch * _blocks;
        var isa = target.Isa;
        int threads = ParallelWork.Threads(_multiplyAdds * ParallelWork.DepthwiseCost, target, blockTasks * _oh);
        int parts = RowParts(blockTasks, threads, _oh);
        if (threads == 1)
        {
            for (int i = 0; i < blockTasks; i++) RunTask(x, y, i, 1, isa);
            return;
        }
        WorkerPool.Run(blockTasks * parts, threads, new Tasks(this, x, y, parts, isa));
    }

    /// <summary>
    /// Parts to cut each block's rows into so that the tasks share out evenly (or finely enough) over the threads;
    /// 1 when the blocks alone do.
    /// </summary>
    internal static int RowParts(int blockTasks, int threads, int rows)
    {
        if (threads <= 1) return 1;
        int parts = 1;
        while (parts < rows && (blockTasks * parts) % threads != 0 && blockTasks * parts < 8 * threads) parts++;
        return parts;
    }

    // Task t is part t % parts of the rows of one image's block t / parts.
    private readonly struct Tasks(DepthwiseConv kernel, float* x, float* y, int parts, KernelIsa isa) : IParallelTasks
    {
        public void Run(int task) => kernel.RunTask(x, y, task, parts, isa);
    }

    private void RunTask(float* x, float* y, int task, int parts, KernelIsa isa)
    {
        int blockTask = task / parts, part = task % parts;
        int batch = blockTask / _blocks, block = blockTask % _blocks;
        int row0 = (int)((long)_oh * part / parts), row1 = (int)((long)_oh * (part + 1) / parts);
        if (row0 == row1) return;
        int channel = block * Block, channels = Math.Min(Block, _channels - channel);
        long inPlane = (long)_ih * _iw;
        float* planes = x + ((long)batch * _channels + channel) * inPlane;
        float* outFirst = y + ((long)batch * _channels + channel) * _oh * _ow;
        if (channels > 8 && KernelSupport.Limit(isa) == KernelIsa.Avx512 && Vector512.IsHardwareAccelerated)
        {
            RunBlock(planes, outFirst, block, 0, channels, 16, row0, row1, isa);
            return;
        }
        for (int half = 0; half * 8 < channels; half++)
            RunBlock(planes + half * 8 * inPlane, outFirst + half * 8L * _oh * _ow, block, half * 8, Math.Min(8, channels - half * 8), 8, row0, row1, isa);
    }

    /// <summary>
    /// Output rows [row0, row1) of <paramref name="channels"/> channels from lane <paramref name="firstLane"/> of a
    /// weight block, computed <paramref name="lanes"/> channels per vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunBlock(float* planes, float* outFirst, int block, int firstLane, int channels, int lanes, int row0, int row1, KernelIsa isa)
    {
        long inPlane = (long)_ih * _iw, outPlane = (long)_oh * _ow;
        int bandRows = _bandRows;
        // The padded rows the output rows read.
        int firstPadded = row0 * _sh, paddedRows = (row1 - 1) * _sh + (_kh - 1) * _dh + 1 - firstPadded;
        long paddedSize = (long)paddedRows * _paddedWidth * lanes;
        // One padded row of slack: the gap clearing after the last input row may run past the last padded row.
        float* input = ThreadScratch.Get((int)(paddedSize + ((long)_paddedWidth + bandRows * _wq) * lanes));
        float* band = input + paddedSize + _paddedWidth * lanes;
        GatherPadded(planes, inPlane, channels, lanes, firstPadded, paddedRows, input);
        // Relu/Clip/LeakyRelu are applied as the outputs are stored; the others to each finished band.
        bool inStore = ActivationMath.InKernelStore(_activation);
        fixed (float* weightsAll = _weights)
        fixed (float* biasAll = _bias)
        fixed (int* tapOffset = _tapOffset)
        {
            int first = block * Block + firstLane;
            var taps = new DepthwiseTaps(weightsAll + (long)block * _kh * _kw * Block + firstLane, Block, biasAll + first, tapOffset, _kh * _kw,
                inStore ? _activation : default);
            for (int r0 = row0; r0 < row1; r0 += bandRows)
            {
                int r1 = Math.Min(row1, r0 + bandRows), rows = r1 - r0;
                // At vertical stride 1 the band holds its rows on the _wq-wide grid as one run; otherwise rows of _ow.
                int bandStride = _wq;
                if (_sh == 1)
                    DepthwiseRuns.Run(input + (long)(r0 - row0) * _paddedWidth * lanes, (rows - 1) * _wq + _ow, band, taps, _sw, lanes);
                else
                {
                    fixed (int* listed = _bandOffsets)
                        DepthwiseRuns.RunListed(input + (long)(r0 - row0) * _sh * _paddedWidth * lanes, listed, rows * _ow, band, taps, lanes);
                    bandStride = _ow;
                }
                // Lanes past the last channel and the grid's extra columns hold garbage after this but are never scattered.
                if (!inStore)
                    ActivationMath.ApplyInPlace(new Span<float>(band, ((rows - 1) * bandStride + _ow) * lanes), _activation, isa);
                for (int half = 0; half * 8 < channels; half++)
                    ChannelBlockLayout.Scatter(band + half * 8, lanes, bandStride, Math.Min(8, channels - half * 8), rows, _ow,
                        outFirst + half * 8 * outPlane + (long)r0 * _ow, outPlane);
            }
        }
    }

    /// <summary>
    /// Padded rows [firstPadded, firstPadded + paddedRows) of the block's input planes, interleaved
    /// <paramref name="lanes"/> channels per position; padding and missing channels zero.
    /// </summary>
    private void GatherPadded(float* planes, long inPlane, int channels, int lanes, int firstPadded, int paddedRows, float* input)
    {
        long rowFloats = (long)_paddedWidth * lanes, total = paddedRows * rowFloats;
        int r0 = Math.Max(0, firstPadded - _ph), r1 = Math.Min(_ih, firstPadded + paddedRows - _ph);
        if (r1 <= r0)
        {
            new Span<float>(input, (int)total).Clear();
            return;
        }
        long dataStart = (r0 + _ph - firstPadded) * rowFloats + (long)_pw * lanes;
        new Span<float>(input, (int)dataStart).Clear();
        for (int half = 0; half * 8 < Math.Max(channels, lanes); half++)
            ChannelBlockLayout.Gather(planes + half * 8 * inPlane + (long)r0 * _iw, inPlane, Math.Max(0, Math.Min(8, channels - half * 8)),
                r1 - r0, _iw, input + dataStart + half * 8, lanes, _paddedWidth);
        int gap = (_paddedWidth - _iw) * lanes;
        for (int r = 0; r < r1 - r0; r++) new Span<float>(input + dataStart + r * rowFloats + (long)_iw * lanes, gap).Clear();
        long filled = dataStart + (r1 - r0) * rowFloats;
        if (total > filled) new Span<float>(input + filled, (int)(total - filled)).Clear();
    }
}
