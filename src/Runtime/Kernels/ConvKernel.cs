using System.Runtime.CompilerServices;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 convolution with weights prepared once (a Conv node's weights are usually constant).
/// The executor creates one per node and calls <c>Run</c> per inference; Run is thread-safe.
/// Depthwise 1-D/2-D convolutions use <see cref="DepthwiseConv"/>, or <see cref="DepthwisePlaneConv"/> on AVX-512
/// where it applies (the same bits); everything else is, per batch item and
/// group, a GEMM Y[M, outSize] = W[M, C·k] · im2col(X) with W packed here once and im2col packed tile by
/// tile inside the GEMM (<see cref="PhasePlaneIm2Col"/> on AVX-512 where it applies, else <see cref="Im2ColPacker"/>:
/// the same values), bias and activation fused into the GEMM's store. Convolutions whose taps mostly read padding
/// skip those products (<see cref="TapSparseConv"/>).
/// </summary>
internal sealed unsafe class ConvKernel
{
    private readonly float[]? _bias;
    private readonly DepthwiseConv? _depthwise;
    // The same convolution on the NCHW planes, where it runs faster on AVX-512 (wide maps); null elsewhere.
    private readonly DepthwisePlaneConv? _depthwisePlanes;
    // Taps that mostly read padding (dilated convolutions on small maps): a sum of per-tap 1x1 products.
    private readonly TapSparseConv? _tapSparse;
    private readonly Im2ColPacker? _packer;
    // The AVX-512 packer (one masked load per panel row); null where it does not apply.
    private readonly PhasePlaneIm2Col? _phasePacker;
    // Pinned so the GEMM can hold raw pointers across threads without fixing per call.
    private readonly float[]? _packedWeights;
    private readonly float[]? _paddedBias;
    // The GEMM's convolution: Geometry without the taps that read only padding (ConvTapTrim).
    private readonly ConvGeometry? _gemmGeometry;
    private readonly float[]? _untrimmedWeights;
    // The GEMM may read the input in place as its B (ConvGeometry.IsPointwise), decided once.
    private readonly bool _pointwise;

    public ConvKernel(ConvGeometry geometry, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Activation activation)
    {
        long weightCount = (long)geometry.OutChannels * geometry.InChannelsPerGroup * geometry.KernelSize;
        if (weights.Length < weightCount)
            throw new ArgumentException($"weights hold {weights.Length} values, the convolution needs {weightCount}", nameof(weights));
        if (!bias.IsEmpty && bias.Length < geometry.OutChannels)
            throw new ArgumentException($"bias holds {bias.Length} values, the convolution has {geometry.OutChannels} output channels", nameof(bias));
        Geometry = geometry;
        Activation = activation;
        _bias = bias.IsEmpty ? null : bias[..geometry.OutChannels].ToArray();
        var g = geometry;
        if (DepthwiseConv.Supports(g))
        {
            var depthwiseWeights = weights[..(int)weightCount].ToArray();
            _depthwise = new DepthwiseConv(g, depthwiseWeights, _bias, activation);
            if (DepthwisePlaneConv.Suits(g)) _depthwisePlanes = new DepthwisePlaneConv(g, depthwiseWeights, _bias, activation);
            return;
        }
        g = _gemmGeometry = ConvTapTrim.Trim(g, weights, out var trimmedWeights);
        if (trimmedWeights is not null)
        {
            // The packed copy lacks the dead taps, which another input shape may need: the full weights stay.
            _untrimmedWeights = weights[..(int)weightCount].ToArray();
            weights = trimmedWeights;
        }
        _tapSparse = TapSparseConv.TryCreate(g, weights, _bias, activation);
        if (_tapSparse is not null) return;
        _packer = new Im2ColPacker(g);
        _pointwise = g.IsPointwise;
        _phasePacker = PhasePlaneIm2Col.TryCreate(g);
        int mGroup = g.OutChannelsPerGroup, k = g.InChannelsPerGroup * g.KernelSize;
        int groupSize = PackedMatrixA.Size(mGroup, k);
        _packedWeights = GC.AllocateArray<float>(groupSize * g.Group + PackedMatrixA.ReadSlack, pinned: true);
        // Packed straight from the caller's weights: the packed copy is the only one this kernel keeps.
        fixed (float* w = weights)
        {
            float* dst = (float*)Unsafe.AsPointer(ref _packedWeights[0]);
            for (int grp = 0; grp < g.Group; grp++)
                PackedMatrixA.Pack(w + (long)grp * mGroup * k, k, 1, mGroup, k, 1f, dst + (long)grp * groupSize);
        }
        if (_bias is not null)
        {
            int padded = PackedMatrixA.PaddedRows(mGroup);
            _paddedBias = GC.AllocateArray<float>(padded * g.Group, pinned: true);
            for (int grp = 0; grp < g.Group; grp++)
                Array.Copy(_bias, grp * mGroup, _paddedBias, grp * padded, mGroup);
        }
    }

    /// <summary>The weights in ONNX's [M, C/group, kernel...] order, read back from the packed copy (exactly those given),
    /// so the owner of a kernel need not keep the weights to build the kernel for another input shape.</summary>
    public float[] Weights()
    {
        if (_depthwise is not null) return _depthwise.Weights();
        if (_untrimmedWeights is not null) return (float[])_untrimmedWeights.Clone();
        if (_tapSparse is not null) return _tapSparse.Weights();
        var g = _gemmGeometry!;
        int mGroup = g.OutChannelsPerGroup, k = g.InChannelsPerGroup * g.KernelSize;
        int groupSize = PackedMatrixA.Size(mGroup, k);
        var w = new float[(long)g.OutChannels * k];
        fixed (float* packed = _packedWeights)
        fixed (float* dst = w)
            for (int grp = 0; grp < g.Group; grp++)
                PackedMatrixA.Unpack(packed + (long)grp * groupSize, mGroup, k, dst + (long)grp * mGroup * k);
        return w;
    }

    /// <summary>Whether this convolution skips the products of taps that read padding (<see cref="TapSparseConv"/>).</summary>
    public bool SkipsDeadTapProducts => _tapSparse is not null;

    /// <summary>The bias given (null when none).</summary>
    public ReadOnlySpan<float> Bias => _bias;

    public ConvGeometry Geometry { get; }
    public Activation Activation { get; }

    /// <summary>
    /// y = act(conv(x, W) + b) with the instruction set and threads of <paramref name="target"/> (null: the CPU's best,
    /// one thread); threads are an upper bound on parallelism.
    /// </summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, KernelTarget? target = null) => Run(x, y, default, default, target);

    /// <summary>
    /// y = after((conv(x, W) + b) + residual) for a kernel built without an activation: the conv's sum rounded to float
    /// before the residual is added, as separate Conv, Add and activation nodes give (<see cref="ResidualEpilogue"/>).
    /// An empty residual is none. Grouped convolutions take none.
    /// </summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> residual, in Activation after, KernelTarget? target)
    {
        var kernels = target ?? KernelTarget.Best();
        var g = Geometry;
        long xNeeded = (long)g.Batch * g.InChannels * g.InputSize, yNeeded = (long)g.Batch * g.OutChannels * g.OutputSize;
        if (x.Length < xNeeded) throw new ArgumentException($"input holds {x.Length} values, the convolution reads {xNeeded}", nameof(x));
        if (y.Length < yNeeded) throw new ArgumentException($"output holds {y.Length} values, the convolution writes {yNeeded}", nameof(y));
        if (!residual.IsEmpty && (residual.Length < yNeeded || g.Group != 1 || Activation.Kind != FusedActivation.None))
            throw new ArgumentException($"a residual must cover the {yNeeded} outputs of an ungrouped convolution built without an activation", nameof(residual));
        if (yNeeded == 0) return;
        fixed (float* xp = x)
        fixed (float* yp = y)
        fixed (float* rp = residual)
        {
            if (_depthwisePlanes is not null && kernels.RunnableIsa == KernelIsa.Avx512)
            {
                _depthwisePlanes.Run(xp, yp, kernels);
                return;
            }
            if (_depthwise is not null)
            {
                _depthwise.Run(xp, yp, kernels);
                return;
            }
            if (_tapSparse is not null)
            {
                _tapSparse.Run(xp, yp, kernels);
                // Its products land in many passes, so the residual follows over the whole output.
                if (!residual.IsEmpty) ResidualEpilogue.Run(yp, rp, checked((int)yNeeded), after, kernels.RunnableIsa);
                return;
            }
            var isa = kernels.RunnableIsa;
            float* planes = _phasePacker is not null && isa == KernelIsa.Avx512 ? _phasePacker.Prepare(xp, kernels) : null;
            PackedGemm.Run(new ConvProblem(this, xp, planes, yp, residual.IsEmpty ? null : rp, isa) { Activation = residual.IsEmpty ? Activation : after }, kernels);
        }
    }

    /// <summary>The GEMMs of one Run: problem index = batch item · groups + group.</summary>
    private sealed class ConvProblem : PackedGemmProblem
    {
        private readonly ConvKernel _kernel;
        private readonly float* _x;
        // The phase planes of _x (PhasePlaneIm2Col.Prepare), null when packing with Im2ColPacker.
        private readonly float* _planes;
        private readonly float* _y;
        private readonly float* _residual;
        private readonly int _groupASize;
        private readonly KernelIsa _isa;

        public ConvProblem(ConvKernel kernel, float* x, float* planes, float* y, float* residual, KernelIsa isa)
            : base(kernel._gemmGeometry!.OutChannelsPerGroup, kernel._gemmGeometry.OutputSize,
                kernel._gemmGeometry.InChannelsPerGroup * kernel._gemmGeometry.KernelSize, kernel._gemmGeometry.Batch * kernel._gemmGeometry.Group)
        {
            _kernel = kernel;
            _x = x;
            _planes = planes;
            _y = y;
            _residual = residual;
            _groupASize = PackedMatrixA.Size(M, K);
            _isa = isa;
        }

        private ConvGeometry G => _kernel._gemmGeometry!;

        public override int Ldc => G.OutputSize;

        public override float* PackedA(int index) =>
            (float*)Unsafe.AsPointer(ref _kernel._packedWeights![0]) + (long)(index % G.Group) * _groupASize;

        public override float* RowBias(int index) => _kernel._paddedBias is null ? null
            : (float*)Unsafe.AsPointer(ref _kernel._paddedBias[0]) + (long)(index % G.Group) * PackedMatrixA.PaddedRows(M);

        public override float* C(int index) => _y + (long)index * M * G.OutputSize;

        public override float* Residual(int index) => _residual == null ? null : _residual + (long)index * M * G.OutputSize;

        /// <summary>A 1x1 stride-1 unpadded conv's im2col matrix is its input planes as they are.</summary>
        public override float* PlainB(int index) =>
            _kernel._pointwise
                ? _x + ((long)(index / G.Group) * G.InChannels + (long)(index % G.Group) * G.InChannelsPerGroup) * G.InputSize
                : null;

        public override void PackB(int index, int pc, int kc, int jc, int nc, float* destination)
        {
            int batch = index / G.Group, group = index % G.Group;
            long firstChannel = (long)batch * G.InChannels + (long)group * G.InChannelsPerGroup;
            // The phase packer's panels start at multiples of 16 columns, where its masks are.
            if (_planes != null && jc % GemmMicroKernel.Columns == 0)
            {
                var phases = _kernel._phasePacker!;
                phases.Pack(_planes + firstChannel * phases.ChannelStride, pc, kc, jc, nc, destination);
                return;
            }
            float* input = _x + firstChannel * G.InputSize;
            _kernel._packer!.Pack(input, pc, kc, jc, nc, destination, _isa);
        }
    }
}
