using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

public class ConvKernelTests
{
    private static ConvGeometry Geometry(int batch, int inChannels, int outChannels, int group,
        int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var output = new int[input.Length];
        for (int d = 0; d < input.Length; d++)
            output[d] = (input[d] + padsBegin[d] + padsEnd[d] - ((kernel[d] - 1) * dilations[d] + 1)) / strides[d] + 1;
        return new ConvGeometry(batch, inChannels, outChannels, group, input, output, kernel, strides, dilations, padsBegin, padsEnd);
    }

    /// <summary>Runs the kernel and the oracle and compares them; returns nothing, fails with the geometry.</summary>
    private static void Check(ConvGeometry g, Random rng, Activation act, int threads, bool withBias, string label)
    {
        var x = TestTensors.Random(rng, g.Batch * g.InChannels * g.InputSize);
        var w = TestTensors.Random(rng, g.OutChannels * g.InChannelsPerGroup * g.KernelSize);
        var b = withBias ? TestTensors.Random(rng, g.OutChannels) : Array.Empty<float>();
        int outLength = g.Batch * g.OutChannels * g.OutputSize;
        var expected = new float[outLength];
        ReferenceConv.Run(g, x, w, b, expected, act);
        // The sum of |terms| bounds the rounding error of any summation order.
        var magnitude = new float[outLength];
        ReferenceConv.Run(g, TestTensors.Abs(x), TestTensors.Abs(w), TestTensors.Abs(b), magnitude, Activation.None);
        var kernel = new ConvKernel(g, w, b, act);
        var actual = new float[outLength + 3];
        Array.Fill(actual, float.NaN);
        kernel.Run(x, actual, threads);
        Assert.All(actual[outLength..], v => Assert.True(float.IsNaN(v), $"{label}: wrote past the output"));
        TestTensors.AssertClose(expected, actual.AsSpan(0, outLength), magnitude, label);
    }

    private static string Describe(ConvGeometry g, Activation act, int threads) =>
        $"N={g.Batch} C={g.InChannels} M={g.OutChannels} group={g.Group} in=[{string.Join(',', g.InputSpatial)}] " +
        $"k=[{string.Join(',', g.Kernel)}] s=[{string.Join(',', g.Strides)}] d=[{string.Join(',', g.Dilations)}] " +
        $"pads=[{string.Join(',', g.PadsBegin)}|{string.Join(',', g.PadsEnd)}] act={act.Kind} threads={threads}";

    private static ConvGeometry RandomGeometry(Random rng, int rank, bool depthwise)
    {
        int group = depthwise ? rng.Next(2, 9) : (rng.Next(3) == 0 ? rng.Next(1, 4) : 1);
        int inChannels = depthwise ? group : group * rng.Next(1, 7);
        int outChannels = depthwise ? group : group * rng.Next(1, 15);
        int batch = rng.Next(1, 3);
        var input = new int[rank];
        var kernel = new int[rank];
        var strides = new int[rank];
        var dilations = new int[rank];
        var padsBegin = new int[rank];
        var padsEnd = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            kernel[d] = rng.Next(1, rank == 3 ? 4 : 6);
            strides[d] = rng.Next(1, 4);
            dilations[d] = rng.Next(4) == 0 ? 2 : 1;
            padsBegin[d] = rng.Next(0, kernel[d]);
            padsEnd[d] = rng.Next(0, kernel[d]);
            int extent = (kernel[d] - 1) * dilations[d] + 1;
            int min = Math.Max(1, extent - padsBegin[d] - padsEnd[d]);
            input[d] = min + rng.Next(0, rank == 3 ? 6 : 20);
        }
        return Geometry(batch, inChannels, outChannels, group, input, kernel, strides, dilations, padsBegin, padsEnd);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void RandomGeometriesMatchTheReference(int rank, bool depthwise)
    {
        for (int seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed * 7 + rank * 1000 + (depthwise ? 1 : 0));
            var g = RandomGeometry(rng, rank, depthwise);
            var act = TestTensors.RandomActivation(rng);
            int threads = rng.Next(1, 3);
            Check(g, rng, act, threads, rng.Next(3) != 0, $"seed {seed}: " + Describe(g, act, threads));
        }
    }

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

    [Theory]
    [MemberData(nameof(ResNetShapes))]
    public void NetworkShapesMatchTheReference(int c, int m, int size, int kernel, int stride, int pad, int group)
    {
        var rng = new Random(c * 131 + m * 7 + size);
        var g = Geometry(1, c, m, group, [size, size], [kernel, kernel], [stride, stride], [1, 1], [pad, pad], [pad, pad]);
        foreach (int threads in new[] { 1, 2 })
            foreach (var act in new[] { Activation.None, Activation.Relu, new Activation(FusedActivation.Clip, Min: 0, Max: 6), new Activation(FusedActivation.LeakyRelu, Alpha: 0.01f),
                         new Activation(FusedActivation.Swish), new Activation(FusedActivation.HardSwish), Activation.HardSigmoid(1f / 6, 0.5f) })
                Check(g, rng, act, threads, true, Describe(g, act, threads));
    }

    [Fact]
    public void ScalarMicroKernelMatchesTheReference()
    {
        GemmMicroKernel.ForceScalar = true;
        try
        {
            var rng = new Random(5);
            for (int i = 0; i < 10; i++)
            {
                var g = RandomGeometry(rng, 2, false);
                Check(g, rng, Activation.Relu, 1, true, "scalar: " + Describe(g, Activation.Relu, 1));
            }
        }
        finally { GemmMicroKernel.ForceScalar = false; }
    }

    [Fact]
    public void Avx2MicroKernelMatchesTheReference()
    {
        WideGemmMicroKernel.DisableForTesting = true;
        try
        {
            var rng = new Random(6);
            for (int i = 0; i < 20; i++)
            {
                var g = RandomGeometry(rng, 2, false);
                Check(g, rng, Activation.Relu, 1 + i % 2, true, "avx2: " + Describe(g, Activation.Relu, 1 + i % 2));
            }
            Check(Geometry(1, 64, 64, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]), rng, Activation.Relu, 1, true, "avx2 64->64 @14");
        }
        finally { WideGemmMicroKernel.DisableForTesting = false; }
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
        kernel.Run(x, first, 2);
        Parallel.For(0, 8, _ =>
        {
            var y = new float[first.Length];
            kernel.Run(x, y, 2);
            Assert.Equal(first, y);
        });
    }
}
