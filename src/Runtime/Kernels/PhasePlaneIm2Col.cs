using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Im2col packing where every 16-column panel row is one masked load and one store, for convolutions of any stride
/// and rank. A stride-s tap reads the input at s·o + c; split once per run into its stride phases (the values at
/// s·i + r for each residue r of each dimension, "phase planes" laid out with the output's extents in every
/// dimension but the outermost), that read becomes phase[o + q], so the tap's whole im2col row is one contiguous run
/// of a phase plane: column n at plane + offset + n. Lanes that read padding are masked off, with masks per kernel
/// column and per outer tap computed once. Stride 1 with the output as wide as the input in every inner dimension
/// ("same" convs, every 1x1) needs no split: the input is its own single phase. The stride-2 7x7 stem packed
/// 49 values per input value with two loads and a permute per 16; its split copies each input value once.
/// The packed values are exactly the im2col values, so the GEMM's results are the bits of <see cref="Im2ColPacker"/>'s.
/// </summary>
internal sealed unsafe class PhasePlaneIm2Col
{
    private const int Nr = GemmMicroKernel.Columns;
    // Mask tables larger than this (ushort entries) cost more memory than they save: such convs keep Im2ColPacker.
    private const long MaxMaskEntries = 1 << 20;
    // So does a split input larger than this many floats (e.g. high-resolution segmentation maps).
    private const long MaxSplitFloats = 1 << 22;

    private readonly int _rank, _taps, _kw, _panels, _batchChannels, _inputSize;
    private readonly int[] _in, _out, _strides;
    // Per used phase: its residue in each dimension. Null when the input is read in place.
    private readonly int[][]? _phases;
    private readonly long _phaseSize;
    // Per tap: where its run starts in the channel's block of phase planes.
    private readonly long[] _offsets;
    // Per kernel column and panel: the lanes whose innermost input index is inside the input.
    private readonly ushort[] _columnMasks;
    // Per outer tap (the tap index without its kernel column) and panel: the lanes valid in every other dimension.
    private readonly ushort[] _outerMasks;

    /// <summary>Floats between one input channel's phase planes and the next one's.</summary>
    public long ChannelStride { get; }

    /// <summary>Whether Pack reads a split copy (<see cref="Prepare"/>) rather than the input itself.</summary>
    public bool NeedsSplit => _phases is not null;

    /// <summary>Floats of the split copy of the whole input (all batch items and channels).</summary>
    public long SplitFloats => (long)_batchChannels * ChannelStride;

    private PhasePlaneIm2Col(ConvGeometry g, int[][]? phases, long phaseSize, long[] offsets, ushort[] columnMasks, ushort[] outerMasks, int panels)
    {
        _rank = g.SpatialRank;
        _taps = g.KernelSize;
        _kw = g.Kernel[_rank - 1];
        _panels = panels;
        _batchChannels = g.Batch * g.InChannels;
        _inputSize = g.InputSize;
        _in = g.InputSpatial;
        _out = g.OutputSpatial;
        _strides = g.Strides;
        _phases = phases;
        _phaseSize = phaseSize;
        _offsets = offsets;
        _columnMasks = columnMasks;
        _outerMasks = outerMasks;
        ChannelStride = phases is null ? g.InputSize : phases.Length * phaseSize;
    }

    /// <summary>The packer for <paramref name="g"/>, or null when some valid read would fall outside its phase plane's
    /// inner extents (e.g. an unpadded stride-1 3x3: its input rows are longer than its output rows) or when its
    /// tables or split copy would be too large.</summary>
    public static PhasePlaneIm2Col? TryCreate(ConvGeometry g)
    {
        int rank = g.SpatialRank;
        if (rank == 0 || g.OutputSize == 0 || g.InputSize == 0) return null;
        int taps = g.KernelSize, kw = g.Kernel[rank - 1], n = g.OutputSize, panels = PackedGemm.CeilDiv(n, Nr);
        if ((long)(kw + taps / kw) * panels > MaxMaskEntries) return null;
        // Inner dimensions: every valid read of phase index o + q must lie inside the output's extent there.
        for (int d = 1; d < rank; d++)
            for (int k = 0; k < g.Kernel[d]; k++)
                for (int o = 0; o < g.OutputSpatial[d]; o++)
                {
                    int i = Read(g, d, o, k);
                    if (i >= 0 && i < g.InputSpatial[d] && i / g.Strides[d] >= g.OutputSpatial[d]) return null;
                }

        // The phases some tap reads, numbered in order of first use.
        var phaseOf = new int[taps];
        var residues = new List<int[]>();
        var tap = new int[rank];
        for (int t = 0; t < taps; t++)
        {
            Unravel(t, g.Kernel, tap);
            var r = new int[rank];
            for (int d = 0; d < rank; d++) r[d] = Residue(g, d, tap[d]);
            int index = residues.FindIndex(e => e.AsSpan().SequenceEqual(r));
            if (index < 0) { index = residues.Count; residues.Add(r); }
            phaseOf[t] = index;
        }
        bool inPlace = g.Strides.All(s => s == 1) && Enumerable.Range(1, rank - 1).All(d => g.OutputSpatial[d] == g.InputSpatial[d]);
        // With one tap per phase (a 1x1/2) packing reads each input value once anyway: a split would only add a pass
        // (ResNet's 1x1/2 downsample went 0.069 -> 0.077 ms with it).
        if (!inPlace && taps <= residues.Count) return null;
        // Outer extent: the longest phase's valid length (in place: the input's own).
        long outer = inPlace ? g.InputSpatial[0] : residues.Max(r => PhaseLength(g, 0, r[0]));
        long inner = (long)n / g.OutputSpatial[0];
        long phaseSize = Math.Max(1, outer) * inner;
        if (!inPlace && (long)g.Batch * g.InChannels * residues.Count * phaseSize > MaxSplitFloats) return null;

        var offsets = new long[taps];
        for (int t = 0; t < taps; t++)
        {
            Unravel(t, g.Kernel, tap);
            long offset = inPlace ? 0 : phaseOf[t] * phaseSize, stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                // floor((k·dilation − pad) / stride): the phase index read at output 0.
                offset += (long)Math.Floor((double)Read(g, d, 0, tap[d]) / g.Strides[d]) * stride;
                stride *= g.OutputSpatial[d];
            }
            offsets[t] = offset;
        }
        return new PhasePlaneIm2Col(g, inPlace ? null : residues.ToArray(), phaseSize, offsets, ColumnMasks(g, panels), OuterMasks(g, panels), panels);
    }

    // The input index that output o reads through kernel tap k along dimension d (may lie in the padding).
    private static int Read(ConvGeometry g, int d, int o, int k) => o * g.Strides[d] - g.PadsBegin[d] + k * g.Dilations[d];

    private static int Residue(ConvGeometry g, int d, int k)
    {
        int s = g.Strides[d], r = Read(g, d, 0, k) % s;
        return r < 0 ? r + s : r;
    }

    // How many input indices r, r + s, r + 2s, ... lie inside dimension d.
    private static int PhaseLength(ConvGeometry g, int d, int r) => Math.Max(0, PackedGemm.CeilDiv(g.InputSpatial[d] - r, g.Strides[d]));

    private static ushort[] ColumnMasks(ConvGeometry g, int panels)
    {
        int w = g.SpatialRank - 1, kw = g.Kernel[w], ow = g.OutputSpatial[w], n = g.OutputSize;
        var masks = new ushort[kw * panels];
        for (int k = 0; k < kw; k++)
            for (int j = 0; j < n; j++)
            {
                int i = Read(g, w, j % ow, k);
                if (i >= 0 && i < g.InputSpatial[w]) masks[k * panels + j / Nr] |= (ushort)(1 << j % Nr);
            }
        return masks;
    }

    private static ushort[] OuterMasks(ConvGeometry g, int panels)
    {
        int rank = g.SpatialRank, w = rank - 1, ow = g.OutputSpatial[w], n = g.OutputSize;
        int outerTaps = g.KernelSize / g.Kernel[w], rows = n / ow;
        var masks = new ushort[outerTaps * panels];
        var tap = new int[rank];
        var position = new int[rank];
        var outerKernel = g.Kernel[..w];
        var outerOutput = g.OutputSpatial[..w];
        for (int t = 0; t < outerTaps; t++)
        {
            Unravel(t, outerKernel, tap);
            for (int row = 0; row < rows; row++)
            {
                Unravel(row, outerOutput, position);
                bool valid = true;
                for (int d = 0; d < w; d++)
                {
                    int i = Read(g, d, position[d], tap[d]);
                    valid &= i >= 0 && i < g.InputSpatial[d];
                }
                if (!valid) continue;
                for (int j = row * ow; j < (row + 1) * ow; j++) masks[t * panels + j / Nr] |= (ushort)(1 << j % Nr);
            }
        }
        return masks;
    }

    private static void Unravel(int index, int[] dims, Span<int> result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }

    [ThreadStatic] private static float[]? t_split;

    /// <summary>
    /// The planes Pack reads for <paramref name="input"/>: the input itself, or its split copy written (by the threads
    /// of <paramref name="target"/>, channels shared out) into the calling thread's buffer, valid until that thread's
    /// next call (kept between runs, so steady state allocates nothing).
    /// </summary>
    public float* Prepare(float* input, in KernelTarget target)
    {
        if (_phases is null) return input;
        long floats = SplitFloats + 16;
        var buffer = t_split;
        if (buffer is null || buffer.Length < floats) t_split = buffer = GC.AllocateUninitializedArray<float>((int)floats, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        float* split = (float*)((address + 63) & ~(nint)63);
        int tasks = Math.Min(_batchChannels, 16);
        int threads = ParallelWork.Threads(SplitFloats * ParallelWork.StreamedValueCost, target, tasks);
        WorkerPool.Run(tasks, threads, new SplitTasks(this, input, split, tasks));
        return split;
    }

    // Task t splits its share of the channels (every value is written by exactly one task).
    private readonly struct SplitTasks(PhasePlaneIm2Col packer, float* input, float* split, int tasks) : IParallelTasks
    {
        public void Run(int task) =>
            packer.Split(input, split, (int)((long)packer._batchChannels * task / tasks), (int)((long)packer._batchChannels * (task + 1) / tasks));
    }

    /// <summary>
    /// Writes the phase planes of channels [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="input"/>
    /// (counted over all batch items) to <paramref name="split"/>. Values a valid read never reaches are left as they were.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split(float* input, float* split, int first, int end)
    {
        var phases = _phases!;
        int rank = _rank, w = rank - 1, inputSize = _inputSize;
        Span<int> position = stackalloc int[rank];
        Span<int> lengths = stackalloc int[rank];
        for (int c = first; c < end; c++)
            for (int ph = 0; ph < phases.Length; ph++)
            {
                var r = phases[ph];
                float* source = input + (long)c * inputSize;
                float* plane = split + c * ChannelStride + ph * _phaseSize;
                // Rows of the phase plane: every position over the outer dimensions, row-major.
                int rows = 1;
                for (int d = 0; d <= w; d++)
                {
                    lengths[d] = PhaseLength(d, r[d]);
                    if (d < w) rows *= lengths[d];
                }
                position.Clear();
                for (int row = 0; row < rows; row++)
                {
                    long from = 0, to = 0;
                    for (int d = 0; d < w; d++)
                    {
                        from = from * _in[d] + (long)position[d] * _strides[d] + r[d];
                        to = to * (d == 0 ? 1 : _out[d]) + position[d];
                    }
                    CopyStrided(source + from * _in[w] + r[w], _strides[w], lengths[w], plane + to * _out[w]);
                    for (int d = w - 1; d >= 0; d--)
                    {
                        if (++position[d] < lengths[d]) break;
                        position[d] = 0;
                    }
                }
            }
    }

    // The phase's length along d, cut to the plane's extent there (the output's, for inner dimensions).
    private int PhaseLength(int d, int r)
    {
        int length = Math.Max(0, PackedGemm.CeilDiv(_in[d] - r, _strides[d]));
        return d == 0 ? length : Math.Min(length, _out[d]);
    }

    private static void CopyStrided(float* source, int stride, int count, float* destination)
    {
        int j = 0;
        if (stride == 1)
        {
            new ReadOnlySpan<float>(source, count).CopyTo(new Span<float>(destination, count));
            return;
        }
        if (stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            // 16 outputs read source[0..31); the last full step must stay inside the 2·count − 1 values read.
            for (; j + 16 <= count && 2 * j + 32 <= 2 * count - 1; j += 16)
                Vector512.Store(Avx512F.PermuteVar16x32x2(Vector512.Load(source + 2 * j), evens, Vector512.Load(source + 2 * j + 16)), destination + j);
        }
        for (; j < count; j++) destination[j] = source[(long)j * stride];
    }

    /// <summary>
    /// Packs rows [pc, pc+kc) and columns [jc, jc+nc) of the im2col matrix of the group whose first input channel's
    /// phase planes start at <paramref name="planes"/> (the input itself when not <see cref="NeedsSplit"/>), as
    /// <see cref="PackedGemmProblem.PackB"/> lays them out. <paramref name="jc"/> must be a multiple of 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* planes, int pc, int kc, int jc, int nc, float* destination)
    {
        long panelStride = (long)kc * Nr;
        int panels = PackedGemm.CeilDiv(nc, Nr), last = panels - 1, first = jc / Nr;
        int lastBits = nc % Nr == 0 ? 0xFFFF : (1 << nc % Nr) - 1;
        var laneBits = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        fixed (ushort* columnMasks = _columnMasks, outerMasks = _outerMasks)
        fixed (long* offsets = _offsets)
        {
            // Row pc + p is (channel, tap t), t = (outer tap, kernel column kw), stepped without divisions: three per
            // row cost about as much as a block's 16 panel loads and stores.
            int taps = _taps, kernelColumns = _kw, maskRow = _panels;
            long channelStride = ChannelStride;
            int channel = pc / taps, t = pc - channel * taps, kw = t % kernelColumns, outerTap = t / kernelColumns;
            float* channelPlanes = planes + channel * channelStride + jc;
            for (int p = 0; p < kc; p++)
            {
                float* source = channelPlanes + offsets[t];
                ushort* columns = columnMasks + kw * maskRow + first, outer = outerMasks + outerTap * maskRow + first;
                float* dst = destination + p * Nr;
                for (int q = 0; q < panels; q++, source += Nr, dst += panelStride)
                {
                    int bits = columns[q] & outer[q] & (q == last ? lastBits : 0xFFFF);
                    if (bits == 0xFFFF)
                    {
                        Vector512.Store(Vector512.Load(source), dst);
                    }
                    else if (Avx512F.IsSupported)
                    {
                        // Masked-off lanes are not read, so a run starting before the plane or ending after it is fine.
                        var lanes = Vector512.Equals(Vector512.Create(bits) & laneBits, laneBits).AsSingle();
                        Vector512.Store(Avx512F.MaskLoad(source, lanes, Vector512<float>.Zero), dst);
                    }
                    else
                    {
                        for (int j = 0; j < Nr; j++) dst[j] = (bits >> j & 1) != 0 ? source[j] : 0f;
                    }
                }
                if (++kw < kernelColumns) { t++; continue; }
                kw = 0;
                outerTap++;
                if (++t < taps) continue;
                t = outerTap = 0;
                channelPlanes += channelStride;
            }
        }
    }
}
