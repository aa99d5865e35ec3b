using CsCheck;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

public class ConvKernelTests
{
    internal static ConvGeometry Geometry(int batch, int inChannels, int outChannels, int group,
        int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var output = new int[input.Length];
        for (int d = 0; d < input.Length; d++)
            output[d] = (input[d] + padsBegin[d] + padsEnd[d] - ((kernel[d] - 1) * dilations[d] + 1)) / strides[d] + 1;
        return new ConvGeometry(batch, inChannels, outChannels, group, input, output, kernel, strides, dilations, padsBegin, padsEnd);
    }

    /// <summary>One convolution's data and its oracle result before the activation (a plain loop in double).</summary>
    private sealed record Problem(ConvGeometry G, float[] X, float[] W, float[] B, float[] Plain, float[] Magnitude);

    private static Problem MakeProblem(ConvGeometry g, Random rng, bool withBias)
    {
        var x = TestTensors.Random(rng, g.Batch * g.InChannels * g.InputSize);
        var w = TestTensors.Random(rng, g.OutChannels * g.InChannelsPerGroup * g.KernelSize);
        var b = withBias ? TestTensors.Random(rng, g.OutChannels) : Array.Empty<float>();
        int outLength = g.Batch * g.OutChannels * g.OutputSize;
        var plain = new float[outLength];
        ReferenceConv.Run(g, x, w, b, plain, Activation.None);
        // The sum of |terms| bounds the rounding error of any summation order.
        var magnitude = new float[outLength];
        ReferenceConv.Run(g, TestTensors.Abs(x), TestTensors.Abs(w), TestTensors.Abs(b), magnitude, Activation.None);
        return new Problem(g, x, w, b, plain, magnitude);
    }

    /// <summary>Runs the kernel and the oracle and compares them; returns nothing, fails with the geometry.</summary>
    private static void Check(ConvGeometry g, Random rng, Activation act, int threads, bool withBias, string label, KernelIsa? isa = null) =>
        Check(MakeProblem(g, rng, withBias), act, threads, label, isa);

    /// <summary>
    /// The kernel with activation <paramref name="act"/> against the oracle's pre-activation result with the activation
    /// applied (what the oracle computes with it), so one oracle run serves every activation and thread count.
    /// </summary>
    private static void Check(Problem p, Activation act, int threads, string label, KernelIsa? isa = null)
    {
        int outLength = p.Plain.Length;
        var expected = p.Plain.Select(v => ActivationMath.Scalar(v, act)).ToArray();
        var kernel = new ConvKernel(p.G, p.W, p.B, act);
        var actual = new float[outLength + 3];
        Array.Fill(actual, float.NaN);
        // Small test shapes would stay on one thread; splitting them anyway tests the multi-threaded tilings.
        kernel.Run(p.X, actual, new KernelTarget(isa ?? KernelSupport.Best, threads, SplitAllWork: threads > 1));
        Assert.All(actual[outLength..], v => Assert.True(float.IsNaN(v), $"{label}: wrote past the output"));
        TestTensors.AssertClose(expected, actual.AsSpan(0, outLength), p.Magnitude, label);
    }

    private static string Describe(ConvGeometry g, Activation act, int threads) =>
        $"N={g.Batch} C={g.InChannels} M={g.OutChannels} group={g.Group} in=[{string.Join(',', g.InputSpatial)}] " +
        $"k=[{string.Join(',', g.Kernel)}] s=[{string.Join(',', g.Strides)}] d=[{string.Join(',', g.Dilations)}] " +
        $"pads=[{string.Join(',', g.PadsBegin)}|{string.Join(',', g.PadsEnd)}] act={act.Kind} threads={threads}";

    /// <summary>One spatial axis of a random convolution; pads are taken modulo the kernel so they stay below it.</summary>
    private sealed record Axis(int Kernel, int Stride, int Dilation, int PadBegin, int PadEnd, int ExtraInput);

    /// <summary>One random convolution: everything shrinks on failure; the data comes from <see cref="DataSeed"/>.</summary>
    private sealed record ConvCase(int Batch, int Group, int InPerGroup, int OutPerGroup, Axis[] Axes, int ActivationSeed,
        int Threads, bool Bias, int DataSeed);

    private static Gen<Axis> AxisGen(int maxKernel, int maxExtra) => Gen.Select(
        Gen.Int[1, maxKernel], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[0, 6], Gen.Int[0, 6], Gen.Int[0, maxExtra],
        (k, s, d, pb, pe, extra) => new Axis(k, s, d == 3 ? 2 : 1, pb % k, pe % k, extra));

    // Depthwise: group = C = M from 2 to 19 channels (not only whole 8-channel blocks), kernels up to 7 on 1-D and
    // 2-D. Dense: 1-3 groups of 1-6 input and 1-14 output channels. A quarter of the axes are dilated by 2.
    private static Gen<ConvCase> Cases(int rank, bool depthwise) => Gen.Select(
        Gen.Select(Gen.Int[1, 2], depthwise ? Gen.Int[2, 19] : Gen.Int[1, 3], Gen.Int[1, 6], Gen.Int[1, 14],
            (batch, group, cin, cout) => (batch, group, cin: depthwise ? 1 : cin, cout: depthwise ? 1 : cout)),
        AxisGen(rank == 3 ? 3 : 7, rank == 3 ? 5 : 19).Array[rank],
        Gen.Select(Gen.Int[0, 7], Gen.Int[1, 2], Gen.Int[0, 2], Gen.Int, (act, threads, bias, seed) => (act, threads, bias: bias != 0, seed)),
        (channels, axes, extras) => new ConvCase(channels.batch, channels.group, channels.cin, channels.cout, axes,
            extras.act, extras.threads, extras.bias, extras.seed));

    private static ConvGeometry GeometryOf(ConvCase c)
    {
        var input = c.Axes.Select(a => Math.Max(1, (a.Kernel - 1) * a.Dilation + 1 - a.PadBegin - a.PadEnd) + a.ExtraInput).ToArray();
        return Geometry(c.Batch, c.Group * c.InPerGroup, c.Group * c.OutPerGroup, c.Group, input,
            c.Axes.Select(a => a.Kernel).ToArray(), c.Axes.Select(a => a.Stride).ToArray(), c.Axes.Select(a => a.Dilation).ToArray(),
            c.Axes.Select(a => a.PadBegin).ToArray(), c.Axes.Select(a => a.PadEnd).ToArray());
    }

    private static void Check(ConvCase c) => Check(c, KernelSupport.Best);

    private static void Check(ConvCase c, KernelIsa isa)
    {
        var g = GeometryOf(c);
        var act = TestTensors.RandomActivation(new Random(c.ActivationSeed));
        Check(g, new Random(c.DataSeed), act, c.Threads, c.Bias, Describe(g, act, c.Threads) + $" isa={isa}", isa);
    }

    /// <summary>
    /// CsCheck runs random geometries against <see cref="ReferenceConv"/> (a plain loop in double); a failure is
    /// shrunk to the smallest failing geometry and reported with the seed that replays it (CsCheck_Seed=...).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void RandomGeometriesMatchTheReference(int rank, bool depthwise) => Cases(rank, depthwise).Sample(Check, iter: 80);

    public static TheoryData<int, int, int, int, int, int, int, int, int, int> DepthwiseShapes => new()
    {
        // C, H, W, kernel, stride, dilation, pad top, pad left, pad bottom, pad right
        { 16, 7, 7, 3, 1, 1, 1, 1, 1, 1 },      // a 7x7 map: every column touches a border
        { 24, 14, 14, 5, 2, 1, 2, 2, 2, 2 },    // 5x5 stride 2
        { 19, 15, 17, 3, 2, 1, 0, 0, 1, 1 },    // stride 2 with TF-style asymmetric "same" pads; 2 blocks + 3 channels
        { 8, 20, 20, 3, 1, 2, 2, 2, 2, 2 },     // dilation 2 (DeepLab)
        { 32, 14, 14, 7, 1, 1, 3, 3, 3, 3 },    // 7x7 (ConvNeXt)
        { 12, 9, 30, 7, 2, 2, 1, 5, 4, 0 },     // 7x7 stride 2 dilation 2, pads larger on one side
        { 40, 3, 5, 3, 1, 1, 2, 2, 2, 2 },      // pads as wide as the kernel reach: rows and columns with no valid tap
    };

    [Theory]
    [MemberData(nameof(DepthwiseShapes))]
    public void DepthwiseShapesMatchTheReference(int c, int h, int w, int kernel, int stride, int dilation, int top, int left, int bottom, int right)
    {
        var rng = new Random(c * 31 + h * 7 + w);
        var g = Geometry(2, c, c, c, [h, w], [kernel, kernel], [stride, stride], [dilation, dilation], [top, left], [bottom, right]);
        var problem = MakeProblem(g, rng, true);
        foreach (int threads in new[] { 1, 2 })
            foreach (var act in new[] { Activation.None, new Activation(FusedActivation.Clip, Min: 0, Max: 6), new Activation(FusedActivation.HardSwish) })
                Check(problem, act, threads, Describe(g, act, threads));
    }

    // The padded-grid depthwise kernel: runs spanning rows at vertical stride 1 (with a horizontal step of 1, 2
    // or 3), listed positions across row ends at vertical stride 2 and 3, 1-D, maps wider than one band, widths
    // that are not whole 8-position transposes, channel counts that are not whole 8- or 16-channel blocks.
    public static TheoryData<int, int[], int[], int[], int[], int[], int[]> DepthwiseGridShapes => new()
    {
        // C, input, kernel, strides, dilations, pads begin, pads end
        { 13, [9, 11], [3, 3], [1, 2], [1, 1], [1, 1], [1, 1] },        // horizontal stride only: one run, step 2
        { 11, [10, 13], [5, 3], [2, 1], [1, 1], [2, 1], [2, 1] },       // vertical stride only: per-row runs, step 1
        { 8, [17, 17], [5, 5], [3, 3], [1, 1], [2, 2], [2, 2] },        // stride 3: the general step
        { 21, [1, 1], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },         // a 1x1 map: only the centre tap is inside
        { 9, [3, 150], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },        // wider than one band of positions
        { 17, [40, 37], [7, 7], [1, 1], [1, 1], [3, 3], [3, 3] },       // several bands of a 7x7 kernel, odd width
        { 10, [29, 31], [3, 3], [2, 2], [3, 3], [3, 0], [0, 3] },       // dilation 3, stride 2, one-sided pads
        { 12, [11, 300], [3, 3], [2, 2], [1, 1], [1, 1], [1, 1] },      // stride 2 over several bands of listed positions
        { 6, [23], [5], [2], [1], [2], [2] },                           // 1-D, stride 2
        { 19, [41], [7], [1], [2], [0], [6] },                          // 1-D, dilated, padded at the end only
    };

    [Theory]
    [MemberData(nameof(DepthwiseGridShapes))]
    public void DepthwiseGridShapesMatchTheReferenceAndAreBitIdenticalAtOneTwoAndFourThreads(int c, int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var g = Geometry(2, c, c, c, input, kernel, strides, dilations, padsBegin, padsEnd);
        var p = MakeProblem(g, new Random(c * 7 + input.Sum()), true);
        foreach (var act in new[] { Activation.None, new Activation(FusedActivation.Clip, Min: 0, Max: 6), new Activation(FusedActivation.Swish) })
        {
            var conv = new ConvKernel(g, p.W, p.B, act);
            float[] At(int threads)
            {
                var y = new float[p.Plain.Length + 3];
                Array.Fill(y, float.NaN);
                conv.Run(p.X, y, KernelTarget.Best(threads) with { SplitAllWork = threads > 1 });
                Assert.All(y[p.Plain.Length..], v => Assert.True(float.IsNaN(v), $"{Describe(g, act, threads)}: wrote past the output"));
                return y[..p.Plain.Length];
            }
            var one = At(1);
            TestTensors.AssertClose(p.Plain.Select(v => ActivationMath.Scalar(v, act)).ToArray(), one, p.Magnitude, Describe(g, act, 1));
            foreach (int threads in new[] { 2, 4 })
                Assert.True(one.AsSpan().SequenceEqual(At(threads)), $"{Describe(g, act, threads)}: differs from one thread");
            // 16-channel AVX-512 blocks and 8-channel AVX2 halves sum each output in the same order.
            var avx2 = new float[p.Plain.Length];
            conv.Run(p.X, avx2, new KernelTarget(KernelIsa.Avx2, 2, SplitAllWork: true));
            Assert.True(one.AsSpan().SequenceEqual(avx2), $"{Describe(g, act, 2)}: AVX2 differs from the best instruction set");
        }
    }

    // The plane kernel (AVX-512, horizontal stride and dilation 1, output rows at least DepthwisePlaneConv.MinWidth
    // wide): widths that are not whole vectors, grids whose rows end mid-group, vertical strides 2 and 3 (row phases),
    // vertical dilation, 1-D, pads wider on one side, padding rows, kernels 3, 5 and 7, bands split across tasks.
    public static TheoryData<int, int[], int[], int[], int[], int[], int[]> DepthwisePlaneShapes => new()
    {
        // C, input, kernel, strides, dilations, pads begin, pads end
        { 3, [9, 57], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },         // odd width: 57 of a 64-float grid row
        { 2, [12, 56], [5, 5], [1, 1], [1, 1], [2, 2], [2, 2] },        // 5x5: 60 padded columns
        { 2, [10, 61], [7, 7], [1, 1], [1, 1], [3, 3], [3, 3] },        // 7x7: 67 padded columns, two vectors and a bit
        { 3, [21, 70], [3, 3], [2, 1], [1, 1], [1, 1], [1, 1] },        // vertical stride 2: two row phases
        { 2, [17, 58], [5, 3], [3, 1], [1, 1], [2, 1], [0, 1] },        // vertical stride 3, asymmetric pads
        { 2, [15, 60], [3, 5], [1, 1], [2, 1], [3, 0], [1, 4] },        // vertical dilation 2, pads on one side each
        { 2, [14, 56], [5, 5], [2, 1], [1, 1], [2, 2], [2, 2] },        // 5x5 stride 2x1 (PaddleOCR's recogniser)
        { 2, [4, 64], [3, 3], [1, 1], [1, 1], [5, 1], [5, 1] },         // padding rows with no input under them
        { 3, [90, 100], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },       // several bands; 6 planes over 4 threads: rows cut
        { 3, [77], [5], [1], [1], [4], [0] },                           // 1-D, padded at the start only
        { 2, [3, 200], [1, 9], [1, 1], [1, 1], [0, 4], [0, 4] },        // a 1x9 kernel
    };

    [Theory]
    [MemberData(nameof(DepthwisePlaneShapes))]
    public void DepthwisePlaneKernelMatchesTheReferenceAndTheBlockKernelBitForBitAtOneTwoAndFourThreads(int c, int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var g = Geometry(2, c, c, c, input, kernel, strides, dilations, padsBegin, padsEnd);
        Assert.True(DepthwisePlaneConv.Suits(g), "the shape should run on the plane kernel");
        var p = MakeProblem(g, new Random(c * 13 + input.Sum() + kernel.Sum()), true);
        foreach (var act in new[] { Activation.None, Activation.Relu, new Activation(FusedActivation.Clip, Min: 0, Max: 6),
            new Activation(FusedActivation.HardSwish), new Activation(FusedActivation.Swish) })
        {
            var conv = new ConvKernel(g, p.W, p.B, act);
            float[] At(KernelIsa isa, int threads)
            {
                var y = new float[p.Plain.Length + 3];
                Array.Fill(y, float.NaN);
                conv.Run(p.X, y, new KernelTarget(isa, threads, SplitAllWork: threads > 1));
                Assert.All(y[p.Plain.Length..], v => Assert.True(float.IsNaN(v), $"{Describe(g, act, threads)}: wrote past the output"));
                return y[..p.Plain.Length];
            }
            var one = At(KernelSupport.Best, 1);
            TestTensors.AssertClose(p.Plain.Select(v => ActivationMath.Scalar(v, act)).ToArray(), one, p.Magnitude, Describe(g, act, 1));
            foreach (int threads in new[] { 2, 4 })
                Assert.True(one.AsSpan().SequenceEqual(At(KernelSupport.Best, threads)), $"{Describe(g, act, threads)}: differs from one thread");
            // AVX2 runs the block kernel: each output sums the same terms in the same order.
            Assert.True(one.AsSpan().SequenceEqual(At(KernelIsa.Avx2, 2)), $"{Describe(g, act, 2)}: the block kernel (AVX2) differs");
        }
    }

    [Theory]
    [InlineData(56, 1, 1, true)]
    [InlineData(55, 1, 1, false)]   // narrower than MinWidth: the blocks
    [InlineData(112, 2, 1, false)]  // horizontal stride 2: the blocks
    [InlineData(112, 1, 2, false)]  // horizontal dilation 2: the blocks
    public void DepthwisePlaneKernelTakesOnlyWideRowsAtHorizontalStrideAndDilationOne(int outWidth, int stride, int dilation, bool suits)
    {
        int width = (outWidth - 1) * stride + 1 + 2 * dilation - 2;
        var g = Geometry(1, 8, 8, 8, [10, width], [3, 3], [1, stride], [1, dilation], [1, 1], [1, 1]);
        Assert.Equal(outWidth, g.OutputSpatial[1]);
        Assert.Equal(suits, DepthwisePlaneConv.Suits(g));
    }

    [Theory]
    [InlineData(12, 2, 56, 1)]     // 192 channels: the blocks share out evenly
    [InlineData(5, 2, 56, 2)]      // 72 channels: five blocks, so ten half-blocks
    [InlineData(1, 2, 112, 2)]     // one block: its rows in two
    [InlineData(3, 4, 14, 4)]      // twelve tasks over four threads
    [InlineData(1, 4, 3, 3)]       // never more parts than rows
    [InlineData(9, 2, 28, 2)]      // nine blocks: 5 against 4 would idle a thread a ninth of the time
    [InlineData(17, 2, 7, 1)]      // seventeen blocks: fine enough
    [InlineData(5, 1, 56, 1)]      // one thread: never cut
    public void DepthwiseRowsAreCutOnlyWhenTheBlocksDoNotShareOutOverTheThreads(int blockTasks, int threads, int rows, int parts) =>
        Assert.Equal(parts, DepthwiseConv.RowParts(blockTasks, threads, rows));

    public static TheoryData<int, int, int, int, int, int, int> ResNetShapes => new()
    {
        // C, M, H(=W), kernel, stride, pad, group
        { 3, 64, 32, 7, 2, 3, 1 },
        { 64, 64, 14, 3, 1, 1, 1 },
        { 64, 128, 14, 3, 2, 1, 1 },
        { 64, 128, 14, 1, 2, 0, 1 },
        { 128, 128, 9, 1, 1, 0, 1 },
        { 256, 300, 7, 3, 1, 1, 1 },    // K = 2304 spans several depth blocks, M not a multiple of 6
        { 32, 32, 23, 3, 1, 1, 32 },    // depthwise 3x3
        { 24, 24, 20, 5, 2, 2, 24 },    // depthwise 5x5 stride 2
        { 16, 48, 11, 3, 1, 1, 16 },    // depthwise with channel multiplier (group GEMM path)
        { 8, 16, 600, 1, 1, 0, 1 },     // 1x1 with a long spatial extent (many column blocks)
    };

    // Dilated convolutions whose edge taps read only padding on some axes (DeepLabV3's ASPP: 3x3 dilated 24 and 36
    // on 14x14), with strides, asymmetric pads and a 1-D and a 3-D case: the kernel drops those taps.
    public static TheoryData<int[], int[], int[], int[], int[], int[]> DeadTapShapes => new()
    {
        { [14, 14], [3, 3], [1, 1], [24, 24], [24, 24], [24, 24] },  // only the centre tap lives
        { [14, 14], [3, 3], [1, 1], [12, 12], [12, 12], [12, 12] },  // every tap lives on some output
        { [9, 13], [3, 5], [2, 1], [10, 4], [10, 8], [10, 8] },      // rows lose both edges, columns keep all
        { [10, 10], [3, 3], [1, 1], [11, 2], [11, 0], [11, 4] },     // asymmetric: a dead first tap only
        { [20], [5], [1], [7], [14], [14] },
        { [4, 6, 6], [3, 3, 3], [1, 1, 1], [5, 1, 8], [5, 1, 8], [5, 1, 8] },
    };

    [Theory]
    [MemberData(nameof(DeadTapShapes))]
    public void DilatedConvolutionsWhoseEdgeTapsReadOnlyPaddingMatchTheReference(int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var g = Geometry(1, 40, 24, 1, input, kernel, strides, dilations, padsBegin, padsEnd);
        var problem = MakeProblem(g, new Random(input.Sum() * 17 + dilations.Sum()), true);
        foreach (int threads in new[] { 1, 2 })
            foreach (var act in new[] { Activation.None, Activation.Relu, new Activation(FusedActivation.HardSwish) })
                Check(problem, act, threads, Describe(g, act, threads));
    }

    [Fact]
    public void DeepLabsAsppConvolutionDilated24KeepsOnlyItsCentreTap()
    {
        var g = Geometry(1, 960, 256, 1, [14, 14], [3, 3], [1, 1], [24, 24], [24, 24], [24, 24]);
        var w = Enumerable.Range(0, 256 * 960 * 9).Select(i => (float)i).ToArray();
        var trimmed = ConvTapTrim.Trim(g, w, out var tw);
        Assert.Equal(new[] { 1, 1 }, trimmed.Kernel);
        Assert.Equal(new[] { 0, 0 }, trimmed.PadsBegin);
        Assert.Equal(new[] { 0, 0 }, trimmed.PadsEnd);
        Assert.Equal(g.OutputSpatial, trimmed.OutputSpatial);
        Assert.NotNull(tw);
        Assert.Equal(256 * 960, tw!.Length);
        Assert.Equal(4f, tw[0]);            // filter 0's tap (1, 1) of 3x3
        Assert.Equal(9f * 7 + 4, tw[7]);    // filter 7's
        var dense = Geometry(1, 8, 8, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]);
        Assert.Same(dense, ConvTapTrim.Trim(dense, new float[8 * 8 * 9], out var none));
        Assert.Null(none);
    }

    [Theory]
    [MemberData(nameof(ResNetShapes))]
    public void NetworkShapesMatchTheReference(int c, int m, int size, int kernel, int stride, int pad, int group)
    {
        var rng = new Random(c * 131 + m * 7 + size);
        var g = Geometry(1, c, m, group, [size, size], [kernel, kernel], [stride, stride], [1, 1], [pad, pad], [pad, pad]);
        var problem = MakeProblem(g, rng, true);
        foreach (int threads in new[] { 1, 2 })
            foreach (var act in new[] { Activation.None, Activation.Relu, new Activation(FusedActivation.Clip, Min: 0, Max: 6), new Activation(FusedActivation.LeakyRelu, Alpha: 0.01f),
                         new Activation(FusedActivation.Swish), new Activation(FusedActivation.HardSwish), Activation.HardSigmoid(1f / 6, 0.5f) })
                Check(problem, act, threads, Describe(g, act, threads));
    }

    // Maps too narrow to share out by columns, so the threads split the rows over one B they pack together
    // (SharedPackedB): K over several depth blocks, strided, a batch of two (two shared copies side by side).
    public static TheoryData<int, int, int, int, int, int> RowSplitShapes => new()
    {
        { 1, 512, 512, 7, 3, 1 },
        { 1, 256, 256, 14, 3, 1 },
        { 1, 256, 512, 14, 3, 2 },
        { 2, 96, 128, 7, 3, 1 },
        { 1, 300, 100, 5, 1, 1 },
    };

    /// <summary>
    /// The problem with Relu at 1 thread against the oracle, and at 2 and 4 (every work split forced) bit-identical to
    /// it; returns the 1-thread result and the runner for more runs.
    /// </summary>
    private static (float[] One, Func<int, float[]> At) CheckBitIdenticalAtOneTwoAndFourThreads(Problem p)
    {
        var conv = new ConvKernel(p.G, p.W, p.B, Activation.Relu);
        float[] At(int threads)
        {
            var y = new float[p.Plain.Length];
            conv.Run(p.X, y, KernelTarget.Best(threads) with { SplitAllWork = true });
            return y;
        }
        var one = At(1);
        TestTensors.AssertClose(p.Plain.Select(v => ActivationMath.Scalar(v, Activation.Relu)).ToArray(), one, p.Magnitude, Describe(p.G, Activation.Relu, 1));
        foreach (int threads in new[] { 2, 4 })
            Assert.True(one.AsSpan().SequenceEqual(At(threads)), $"{Describe(p.G, Activation.Relu, threads)}: differs from one thread");
        return (one, At);
    }

    [Theory]
    [MemberData(nameof(RowSplitShapes))]
    public void RowSplitConvolutionsAreBitIdenticalAtOneTwoAndFourThreadsAndMatchTheReference(int batch, int c, int m, int size, int kernel, int stride)
    {
        int pad = kernel / 2;
        var g = Geometry(batch, c, m, 1, [size, size], [kernel, kernel], [stride, stride], [1, 1], [pad, pad], [pad, pad]);
        var p = MakeProblem(g, new Random(c + m + size), true);
        var (one, At) = CheckBitIdenticalAtOneTwoAndFourThreads(p);
        // Concurrent runs: whichever takes the shared copy, the others pack per task; the same bits either way.
        Parallel.For(0, 4, _ => Assert.True(one.AsSpan().SequenceEqual(At(2)), "a concurrent two-thread run differs from one thread"));
    }

    // 1x1 stride-1 convs, whose GEMM reads the input in place for whole 48/32-column tiles and packs the rest:
    // maps of 7x7 (49 = 48 + 1), 14x14 (196), 5x5, 9x9 and 1-D 300 (a column block of 256 + 44), batches and groups
    // (each problem's own planes), K over two depth blocks, M from 16 to 130 (not multiples of 6).
    public static TheoryData<int, int, int, int[], int> PointwiseShapes => new()
    {
        { 1, 160, 130, [7, 7], 1 },
        { 2, 24, 16, [14, 14], 1 },
        { 1, 300, 32, [5, 5], 1 },
        { 2, 64, 40, [9, 9], 2 },
        { 1, 40, 20, [300], 1 },
        { 1, 512, 64, [7, 7], 1 },
    };

    [Theory]
    [MemberData(nameof(PointwiseShapes))]
    public void PointwiseConvolutionsReadingTheirInputInPlaceMatchTheReferenceAtOneTwoAndFourThreads(int batch, int c, int m, int[] size, int group)
    {
        int[] ones = size.Select(_ => 1).ToArray(), zeros = size.Select(_ => 0).ToArray();
        var g = Geometry(batch, c, m, group, size, ones, ones, ones, zeros, zeros);
        var p = MakeProblem(g, new Random(c * 3 + m + size[0]), true);
        CheckBitIdenticalAtOneTwoAndFourThreads(p);
        Check(p, Activation.Relu, 1, Describe(g, Activation.Relu, 1) + " avx2", KernelIsa.Avx2);
    }

    [Fact]
    public void ThreeDConvStridedDownToOneOutputPlaneReadsEachChannelsOwnVolume()
    {
        // Found by the random geometries: input depth 2, stride 2 -> one output plane of a "same" 2-D shape,
        // which took the shifted 2-D path and read channel c's data at c·H·W instead of c·D·H·W.
        var g = Geometry(2, 4, 10, 1, [2, 6, 4], [1, 2, 1], [2, 1, 1], [1, 1, 1], [0, 0, 0], [0, 1, 0]);
        Check(g, new Random(13), Activation.None, 1, true, Describe(g, Activation.None, 1));
    }

    [Fact]
    public void ScalarMicroKernelMatchesTheReference()
    {
        Cases(2, false).Sample(c => Check(c, KernelIsa.Scalar), iter: 10);
    }

    [Fact]
    public void Avx2MicroKernelMatchesTheReference()
    {
        Cases(2, false).Sample(c => Check(c, KernelIsa.Avx2), iter: 20);
        Check(Geometry(1, 64, 64, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]), new Random(6), Activation.Relu, 1, true, "avx2 64->64 @14", KernelIsa.Avx2);
    }

    [Fact]
    public void ConcurrentRunsOnOneKernelAgree()
    {
        var g = Geometry(1, 16, 32, 1, [20, 20], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]);
        var rng = new Random(9);
        var x = TestTensors.Random(rng, g.InChannels * g.InputSize);
        var w = TestTensors.Random(rng, g.OutChannels * g.InChannels * g.KernelSize);
        var kernel = new ConvKernel(g, w, default, Activation.None);
        // Same thread count, same tiling, same summation order: concurrent runs must agree bit for bit.
        // (Different thread counts may tile differently and round differently.)
        var first = new float[g.OutChannels * g.OutputSize];
        var split = KernelTarget.Best(2) with { SplitAllWork = true };
        kernel.Run(x, first, split);
        Parallel.For(0, 8, _ =>
        {
            var y = new float[first.Length];
            kernel.Run(x, y, split);
            Assert.Equal(first, y);
        });
    }
}
