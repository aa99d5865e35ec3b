using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A convolution whose kernel taps mostly read padding, computed as a sum over taps of 1x1 products, each only over
/// the output rectangle where its tap reads the input (<see cref="LiveTapRectangle"/>). DeepLabV3's ASPP runs a 3x3
/// convolution dilated by 12 on a 14x14 map: off-centre taps read the input on 2 of 14 rows or columns, so the
/// dense im2col GEMM multiplied 5.4 zeros for each real product.
/// Summation order, fixed by the geometry alone: the first tap whose rectangle is the whole output writes its
/// product (one FMA chain over the channels, as any GEMM here) straight into Y; every other tap's product goes to
/// scratch and is added in tap order; then the bias, then the activation. Y starts at zero when no tap covers it.
/// The terms left out are padding times a weight, exactly zero for finite weights (as in <see cref="ConvTapTrim"/>).
/// </summary>
internal sealed unsafe class TapSparseConv
{
    /// <summary>
    /// Used when the live taps' multiply-adds are at most this share of the dense convolution's. Measured (AVX-512,
    /// one thread's CPU time) on 960->256 3x3 convolutions on 14x14: dilation 12 (share 0.18) 3.66 -> 0.89 ms,
    /// dilation 6 (0.51) 3.63 -> 1.97, dilation 2 (0.82) 3.75 -> 3.48; but smaller products lose from 0.6 on:
    /// 256->256 on 3x3 (0.60) 0.096 -> 0.103 ms, 512->512 on 4x4 (0.69) 0.35 -> 0.41, on 14x14 (0.91) 0.98 -> 1.05.
    /// </summary>
    private const double MaxLiveShare = 0.55;

    /// <summary>Fewer channels per tap make each tap's product too shallow for the GEMM's kernels.</summary>
    private const int MinChannels = 32;

    private readonly ConvGeometry _g;
    private readonly Activation _activation;
    private readonly float[]? _bias;
    // Live taps in summation order; _direct says whether _taps[0] writes Y directly.
    private readonly LiveTapRectangle[] _taps;
    private readonly bool _direct;
    // Per tap: its weights [M, C/group] per group, packed (PackedMatrixA), pinned.
    private readonly float[][] _packedA;
    // The scratch taps (all but a direct first), grouped by rectangle size: one GEMM run per group.
    private readonly int[][] _scratchGroups;
    private readonly int[] _scratchOffset;
    private readonly int _scratchFloats;
    // The weights as given when a tap reads only padding (its weights are packed nowhere).
    private readonly float[]? _weightsWithDeadTaps;
    [ThreadStatic] private static float[]? s_scratch;

    private TapSparseConv(ConvGeometry g, LiveTapRectangle[] taps, ReadOnlySpan<float> weights, float[]? bias, Activation activation)
    {
        _g = g;
        _activation = activation;
        _bias = bias;
        int direct = Array.FindIndex(taps, t => t.Size == g.OutputSize);
        _direct = direct >= 0;
        // The direct tap first, then the others in kernel order.
        _taps = _direct ? [taps[direct], .. taps.Where((_, i) => i != direct)] : taps;
        if (taps.Length < g.KernelSize) _weightsWithDeadTaps = weights[..(g.OutChannels * g.InChannelsPerGroup * g.KernelSize)].ToArray();
        int mGroup = g.OutChannelsPerGroup, cGroup = g.InChannelsPerGroup, groupSize = PackedMatrixA.Size(mGroup, cGroup);
        _packedA = new float[_taps.Length][];
        fixed (float* w = weights)
            for (int t = 0; t < _taps.Length; t++)
            {
                var packed = _packedA[t] = GC.AllocateArray<float>(groupSize * g.Group + PackedMatrixA.ReadSlack, pinned: true);
                float* dst = (float*)Unsafe.AsPointer(ref packed[0]);
                for (int grp = 0; grp < g.Group; grp++)
                    PackedMatrixA.Pack(w + (long)grp * mGroup * cGroup * g.KernelSize + _taps[t].Tap, cGroup * g.KernelSize, g.KernelSize,
                        mGroup, cGroup, 1f, dst + (long)grp * groupSize);
            }
        int problems = g.Batch * g.Group;
        _scratchOffset = new int[_taps.Length];
        int offset = 0;
        for (int t = _direct ? 1 : 0; t < _taps.Length; t++)
        {
            _scratchOffset[t] = offset;
            offset += problems * mGroup * _taps[t].Size;
        }
        _scratchFloats = offset;
        _scratchGroups = Enumerable.Range(_direct ? 1 : 0, _taps.Length - (_direct ? 1 : 0))
            .GroupBy(t => _taps[t].Size).Select(grp => grp.ToArray()).ToArray();
    }

    /// <summary>
    /// The tap-sparse kernel for <paramref name="g"/> (a convolution that is not depthwise), or null when the dense
    /// GEMM is the better choice.
    /// </summary>
    public static TapSparseConv? TryCreate(ConvGeometry g, ReadOnlySpan<float> weights, float[]? bias, Activation activation)
    {
        if (g.KernelSize == 1 || g.InChannelsPerGroup < MinChannels || g.OutputSize == 0) return null;
        var taps = new List<LiveTapRectangle>();
        long live = 0;
        for (int t = 0; t < g.KernelSize; t++)
            if (LiveTapRectangle.Of(g, t) is { } rectangle)
            {
                taps.Add(rectangle);
                live += rectangle.Size;
            }
        if (taps.Count == 0 || live > MaxLiveShare * g.KernelSize * g.OutputSize) return null;
        return new TapSparseConv(g, [.. taps], weights, bias, activation);
    }

    /// <summary>The weights in ONNX's [M, C/group, kernel...] order, read back from the packed copies (exactly those given).</summary>
    public float[] Weights()
    {
        if (_weightsWithDeadTaps is not null) return (float[])_weightsWithDeadTaps.Clone();
        var g = _g;
        int mGroup = g.OutChannelsPerGroup, cGroup = g.InChannelsPerGroup, groupSize = PackedMatrixA.Size(mGroup, cGroup);
        var w = new float[(long)g.OutChannels * cGroup * g.KernelSize];
        var slice = new float[(long)mGroup * cGroup];
        fixed (float* s = slice)
            for (int t = 0; t < _taps.Length; t++)
                for (int grp = 0; grp < g.Group; grp++)
                {
                    fixed (float* packed = _packedA[t]) PackedMatrixA.Unpack(packed + (long)grp * groupSize, mGroup, cGroup, s);
                    for (long f = 0; f < slice.Length; f++)
                        w[((long)grp * mGroup * cGroup + f) * g.KernelSize + _taps[t].Tap] = slice[f];
                }
        return w;
    }

    public void Run(float* x, float* y, in KernelTarget target)
    {
        var scratch = s_scratch;
        if (scratch is null || scratch.Length < _scratchFloats + 16)
            s_scratch = scratch = GC.AllocateUninitializedArray<float>(_scratchFloats + 16, pinned: true);
        float* s = (float*)Unsafe.AsPointer(ref scratch[0]);
        var isa = target.RunnableIsa;
        if (_direct) PackedGemm.Run(new TapProblem(this, [0], x, y), target);
        foreach (var group in _scratchGroups) PackedGemm.Run(new TapProblem(this, group, x, s), target);
        var g = _g;
        ParallelRanges.Run(g.Batch * g.OutChannels, (long)g.OutputSize * _taps.Length, target, new Epilogue(this, s, y, isa));
    }

    /// <summary>Y rows [first, first + count) (batch item · M + output channel): the scratch taps added in order, then
    /// bias and activation; elementwise, so the cut into ranges does not change the bits.</summary>
    private readonly struct Epilogue(TapSparseConv conv, float* scratch, float* y, KernelIsa isa) : IRangeWork
    {
        public void Run(int first, int count)
        {
            var g = conv._g;
            int mGroup = g.OutChannelsPerGroup;
            for (int row = first; row < first + count; row++)
            {
                int batch = row / g.OutChannels, channel = row % g.OutChannels;
                // The scratch problem of (batch, group) holds [mGroup, size] products.
                int problem = batch * g.Group + channel / mGroup, inGroup = channel % mGroup;
                float* yRow = y + (long)row * g.OutputSize;
                if (!conv._direct) new Span<float>(yRow, g.OutputSize).Clear();
                for (int t = conv._direct ? 1 : 0; t < conv._taps.Length; t++)
                {
                    var tap = conv._taps[t];
                    float* product = scratch + conv._scratchOffset[t] + ((long)problem * mGroup + inGroup) * tap.Size;
                    foreach (int start in tap.RunStarts)
                    {
                        AddInto(yRow + start, product, tap.RunLength);
                        product += tap.RunLength;
                    }
                }
                var values = new Span<float>(yRow, g.OutputSize);
                if (conv._bias is not null) TensorPrimitives.Add(values, conv._bias[channel], values);
                if (conv._activation.Kind != FusedActivation.None) ActivationMath.ApplyInPlace(values, conv._activation, isa);
            }
        }

        private static void AddInto(float* y, float* values, int n)
        {
            int i = 0;
            for (; i + 8 <= n; i += 8) (Vector256.Load(y + i) + Vector256.Load(values + i)).Store(y + i);
            for (; i < n; i++) y[i] += values[i];
        }
    }

    /// <summary>
    /// The 1x1 products of a set of taps with equal rectangles, one problem per tap, batch item and group (index =
    /// member · batch · groups + batch item · groups + group), into Y (the direct tap) or scratch ([M/group, size] each).
    /// </summary>
    private sealed class TapProblem : PackedGemmProblem
    {
        private readonly TapSparseConv _conv;
        private readonly int[] _members;
        private readonly float* _x;
        private readonly float* _c;
        private readonly bool _direct;

        public TapProblem(TapSparseConv conv, int[] members, float* x, float* c)
            : base(conv._g.OutChannelsPerGroup, conv._taps[members[0]].Size, conv._g.InChannelsPerGroup, members.Length * conv._g.Batch * conv._g.Group)
        {
            _conv = conv;
            _members = members;
            _x = x;
            _c = c;
            _direct = conv._direct && members[0] == 0;
        }

        private ConvGeometry G => _conv._g;
        private int Problems => G.Batch * G.Group;
        private int Tap(int index) => _members[index / Problems];

        public override int Ldc => _direct ? G.OutputSize : N;

        public override float* PackedA(int index) =>
            (float*)Unsafe.AsPointer(ref _conv._packedA[Tap(index)][0]) + (long)(index % G.Group) * PackedMatrixA.Size(M, K);

        public override float* C(int index)
        {
            int problem = index % Problems;
            if (_direct) return _c + (long)problem * M * G.OutputSize;
            return _c + _conv._scratchOffset[Tap(index)] + (long)problem * M * N;
        }

        /// <summary>The input channels of (batch item, group) of problem <paramref name="index"/>.</summary>
        private float* Channels(int index)
        {
            int problem = index % Problems;
            return _x + ((long)(problem / G.Group) * G.InChannels + (long)(problem % G.Group) * G.InChannelsPerGroup) * G.InputSize;
        }

        public override float* PlainB(int index) => _conv._taps[Tap(index)].Plain ? Channels(index) : null;

        public override void PackB(int index, int pc, int kc, int jc, int nc, float* destination)
        {
            var offsets = _conv._taps[Tap(index)].InputOffsets;
            TapPanelPacker.Pack(Channels(index), G.InputSize, (int*)Unsafe.AsPointer(ref offsets[0]) + jc, pc, kc, nc, destination);
        }
    }
}
