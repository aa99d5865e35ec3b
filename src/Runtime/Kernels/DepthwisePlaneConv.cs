using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Depthwise 1-D/2-D convolution on AVX-512 computed on the NCHW planes themselves, for wide maps at horizontal
/// stride and dilation 1 (<see cref="Suits"/>): no transposes into and out of <see cref="DepthwiseConv"/>'s
/// channel-interleaved blocks, which cost nearly half of that kernel's time. A band of one channel's input rows is
/// copied with its zero padding into a per-thread buffer whose rows are whole 16-float vectors (the grid); at
/// vertical stride s the padded rows are split into s row phases (padded row i at phase i mod s, row i / s), so an
/// output band's rows read consecutive rows of each phase. Output (r, c) sits at grid position r·grid + c and tap
/// (kh, kw) at that position + the kernel row's offset + kw: <see cref="DepthwisePlaneRuns"/> loads each kernel
/// row's vectors aligned and shifts them per tap.
/// Each output sums bias, then the taps in order (padding taps add an exact 0), with fused multiply-adds: the same
/// bits as <see cref="DepthwiseConv"/>, which runs the same convolution where AVX-512 is not available.
/// A task is a few of one image's channels over a range of output rows.
/// </summary>
internal sealed unsafe class DepthwisePlaneConv
{
    // Floats of padded input per band: with its output rows it stays in L1.
    private const int BandFloats = 6144;
    private const int Lanes = 16;
    // The last group of eight vectors reads a vector past each of its eight.
    private const int ReadSlack = 9 * Lanes;

    /// <summary>
    /// Output columns from which the planes measured faster than the blocks (a 56-wide map at 3x3 and 5x5, up to
    /// 160): the grid rounds each row up to whole vectors, and on narrower maps the lanes it wastes (a 40-wide map
    /// computes 48) cost more than the transposes they avoid.
    /// </summary>
    internal const int MinWidth = 56;

    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly Activation _activation;
    private readonly int _batch, _channels, _taps;
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _dh, _ph, _pw;
    // Floats per grid row (whole vectors), per row phase, and the rows of a phase.
    private readonly int _grid, _phaseFloats;
    // Per kernel row, the offset of its first tap from an output's grid position (whole vectors).
    private readonly int[] _rowOffset;
    private readonly int _bandRows;
    // The padded columns [_dataStart, _dataEnd) hold the input's columns.
    private readonly int _dataStart, _dataEnd;
    private readonly long _multiplyAdds;

    /// <summary>Whether this kernel runs <paramref name="g"/>: depthwise, horizontal stride and dilation 1, wide output rows.</summary>
    public static bool Suits(ConvGeometry g) =>
        DepthwiseConv.Supports(g) && g.Strides[^1] == 1 && g.Dilations[^1] == 1 && g.Kernel[^1] <= Lanes && g.OutputSpatial[^1] >= MinWidth;

    public DepthwisePlaneConv(ConvGeometry g, float[] weights, float[]? bias, Activation activation)
    {
        if (!Suits(g)) throw new ArgumentException("not a depthwise convolution this kernel runs", nameof(g));
        _activation = activation;
        _batch = g.Batch;
        _channels = g.InChannels;
        if (g.SpatialRank == 1) (_ih, _oh, _kh, _sh, _dh, _ph) = (1, 1, 1, 1, 1, 0);
        else (_ih, _oh, _kh, _sh, _dh, _ph) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        (_iw, _ow, _kw, _pw) = (g.InputSpatial[^1], g.OutputSpatial[^1], g.Kernel[^1], g.PadsBegin[^1]);
        _taps = _kh * _kw;
        _weights = weights;
        _bias = new float[_channels];
        if (bias is not null) Array.Copy(bias, _bias, _channels);
        // A row's last output reads up to column ow − 1 + kw − 1.
        _grid = PackedGemm.CeilDiv(_ow + _kw - 1, Lanes) * Lanes;
        int reach = (_kh - 1) * _dh / _sh;
        _bandRows = Math.Clamp(BandFloats / (_grid * _sh) - reach, 1, _oh);
        _phaseFloats = (_bandRows + reach) * _grid;
        _rowOffset = new int[_kh];
        for (int kh = 0; kh < _kh; kh++) _rowOffset[kh] = kh * _dh % _sh * _phaseFloats + kh * _dh / _sh * _grid;
        _dataStart = Math.Min(_pw, _grid);
        _dataEnd = Math.Min(_pw + _iw, _grid);
        _multiplyAdds = (long)_batch * _channels * _oh * _ow * _taps;
    }

    /// <summary>The weights in ONNX's [C, 1, kh, kw] order (exactly those given).</summary>
    public float[] Weights() => (float[])_weights.Clone();

    public void Run(float* x, float* y, in KernelTarget target)
    {
        int planes = _batch * _channels;
        int threads = ParallelWork.Threads(_multiplyAdds * ParallelWork.DepthwiseCost, target, (long)planes * _oh);
        if (threads == 1)
        {
            for (int i = 0; i < planes; i++) RunPlane(x, y, i, 0, _oh, target.Isa);
            return;
        }
        // Several planes per task: a plane takes about a microsecond, and claiming a task per plane from the shared
        // counter cost the second thread most of its gain.
        int perTask = Math.Clamp(planes / (8 * threads), 1, 16), groups = PackedGemm.CeilDiv(planes, perTask);
        int parts = DepthwiseConv.RowParts(groups, threads, _oh);
        WorkerPool.Run(groups * parts, threads, new Tasks(this, x, y, perTask, parts, target.Isa));
    }

    // Task t is part t % parts of the rows of planes [g·perTask, (g + 1)·perTask), g = t / parts (plane = image · C + channel).
    private readonly struct Tasks(DepthwisePlaneConv kernel, float* x, float* y, int perTask, int parts, KernelIsa isa) : IParallelTasks
    {
        public void Run(int task)
        {
            int group = task / parts, part = task % parts, oh = kernel._oh;
            int row0 = (int)((long)oh * part / parts), row1 = (int)((long)oh * (part + 1) / parts);
            int last = Math.Min(kernel._batch * kernel._channels, (group + 1) * perTask);
            for (int plane = group * perTask; plane < last; plane++) kernel.RunPlane(x, y, plane, row0, row1, isa);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPlane(float* x, float* y, int plane, int row0, int row1, KernelIsa isa)
    {
        if (row0 == row1) return;
        int channel = plane % _channels;
        float* input = x + (long)plane * _ih * _iw;
        float* output = y + (long)plane * _oh * _ow;
        // Rows past a band's last padded row are never filled: only lanes that are dropped read them.
        float* padded = ThreadScratch.Get(_phaseFloats * _sh + ReadSlack);
        bool inStore = ActivationMath.InKernelStore(_activation);
        var act = inStore ? _activation : default;
        fixed (float* weights = _weights)
        fixed (int* rowOffsets = _rowOffset)
        {
            float* w = weights + (long)channel * _taps;
            float bias = _bias[channel];
            for (int r0 = row0; r0 < row1; r0 += _bandRows)
            {
                int rows = Math.Min(row1 - r0, _bandRows);
                FillBand(input, r0 * _sh, (rows - 1) * _sh + (_kh - 1) * _dh + 1, padded);
                float* outRows = output + (long)r0 * _ow;
                DepthwisePlaneRuns.Run(padded, rows, _grid, _ow, outRows, bias, w, rowOffsets, _kh, _kw, act);
                if (!inStore) ActivationMath.ApplyInPlace(new Span<float>(outRows, rows * _ow), _activation, isa);
            }
        }
    }

    /// <summary>Padded rows [first, first + count) of one plane: padded row first + i at row phase i mod sh, row i / sh; padding zero.</summary>
    private void FillBand(float* plane, int first, int count, float* padded)
    {
        int phase = 0, index = 0;
        for (int i = 0; i < count; i++)
        {
            int inputRow = first + i - _ph;
            float* row = padded + (long)phase * _phaseFloats + (long)index * _grid;
            if (inputRow < 0 || inputRow >= _ih) Zero(row, _grid);
            else
            {
                Zero(row, _dataStart);
                Copy(plane + (long)inputRow * _iw, row + _dataStart, _dataEnd - _dataStart);
                Zero(row + _dataEnd, _grid - _dataEnd);
            }
            if (++phase == _sh)
            {
                phase = 0;
                index++;
            }
        }
    }

    // Rows of tens of floats: a call to a general clear or copy cost more than the row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* p, int n)
    {
        int i = 0;
        for (; i + 16 <= n; i += 16) Vector512.Store(Vector512<float>.Zero, p + i);
        for (; i < n; i++) p[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* source, float* destination, int n)
    {
        int i = 0;
        for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(source + i), destination + i);
        if (i < n && n >= 16) Vector512.Store(Vector512.Load(source + n - 16), destination + n - 16);
        else for (; i < n; i++) destination[i] = source[i];
    }
}
