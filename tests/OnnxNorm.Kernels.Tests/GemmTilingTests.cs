using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>How the packed GEMM cuts its output into tasks (<see cref="ColumnSplit"/>, <see cref="PackedGemm.EvenColumns"/>).</summary>
public class GemmTilingTests
{
    private static int[] Edges(ColumnSplit split) => Enumerable.Range(0, split.Tasks + 1).Select(split.Start).ToArray();

    [Fact]
    public void A14x14MapOnTwoThreadsIsCutInto96And100Columns()
    {
        Assert.Equal(new[] { 0, 96, 196 }, Edges(ColumnSplit.Even(196, 2)));
    }

    [Fact]
    public void EvenSplitsCoverEveryColumnExactlyOnceOnEdgesThatAreMultiplesOf32()
    {
        for (int tasks = 1; tasks <= 8; tasks++)
            for (int n = tasks * ColumnSplit.EdgeMultiple; n <= 1100; n++)
            {
                var edges = Edges(ColumnSplit.Even(n, tasks));
                Assert.Equal(0, edges[0]);
                Assert.Equal(n, edges[^1]);
                for (int t = 0; t < tasks; t++)
                {
                    Assert.True(edges[t] < edges[t + 1], $"n={n} tasks={tasks}: task {t} is empty ({string.Join(',', edges)})");
                    Assert.Equal(0, edges[t] % ColumnSplit.EdgeMultiple);
                }
            }
    }

    [Fact]
    public void UniformSplitsCoverEveryColumnExactlyOnce()
    {
        foreach (int n in new[] { 1, 31, 49, 196, 784, 3136 })
            foreach (int width in new[] { 32, 128, 192, 256 })
            {
                var split = ColumnSplit.Uniform(n, width);
                var edges = Edges(split);
                for (int t = 0; t < split.Tasks; t++) Assert.Equal(Math.Min(n, t * width), edges[t]);
                Assert.Equal(n, edges[^1]);
                Assert.True(edges[^2] < n, $"n={n} width={width}: the last task is empty");
            }
    }

    [Fact]
    public void AnEvenSplitThatWouldLeaveATaskEmptyIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnSplit.Even(63, 2));
    }

    [Theory]
    [InlineData(112, 196, 2, true)]   // 672->112 1x1 on a 14x14 map: weights smaller than B
    [InlineData(32, 196, 2, true)]    // DenseNet's 128->32 3x3 on 14x14
    [InlineData(256, 196, 2, true)]   // ResNet's 256->256 on 14x14
    [InlineData(1024, 196, 2, false)] // ResNet-50's 256->1024 on 14x14: weights dwarf B, rows split
    [InlineData(256, 400, 2, true)]   // a 20x20 map: 192 + 208 instead of 192 + 192 + 16
    [InlineData(160, 49, 2, false)]   // a 7x7 map: too few columns for two
    [InlineData(64, 784, 2, false)]   // a 28x28 map: more than one column block per thread
    [InlineData(112, 196, 4, false)]  // four threads would get 49 columns each
    [InlineData(112, 196, 1, false)]
    public void SmallMapsAreSplitEvenlyByColumnsUnlessTheWeightRowsDwarfTheColumns(int m, int n, int threads, bool even)
    {
        Assert.Equal(even, PackedGemm.EvenColumns(m, n, 1, threads));
    }

    [Fact]
    public void ANarrowGemmCostsAsIfItHadEightColumns()
    {
        Assert.Equal(960L * 8 * 240, ParallelWork.GemmCost(960, 1, 240, 1));
        Assert.Equal(64L * 3136 * 576 * 2, ParallelWork.GemmCost(64, 3136, 576, 2));
    }

    // Even column splits (14x14 maps), a narrow SE-block conv on a 1x1 map (now split by rows), with and without
    // bias and a late activation: the same bits at 1, 2 and 4 threads, close to the double-precision reference.
    public static TheoryData<int, int, int, int> ThreadedShapes => new()
    {
        { 672, 112, 14, 1 },
        { 128, 32, 14, 3 },
        { 200, 80, 12, 1 },
        { 960, 240, 1, 1 },
        { 240, 960, 1, 1 },
        { 64, 300, 12, 1 },
    };

    [Theory]
    [MemberData(nameof(ThreadedShapes))]
    public void ConvolutionsAreBitIdenticalAtOneTwoAndFourThreads(int c, int m, int size, int kernel)
    {
        int pad = kernel / 2;
        int[] spatial = [size, size], k = [kernel, kernel], ones = [1, 1], pads = [pad, pad];
        var g = new ConvGeometry(1, c, m, 1, spatial, spatial, k, ones, ones, pads, pads);
        var rng = new Random(c * 7 + m + size);
        var x = TestTensors.Random(rng, c * size * size);
        var w = TestTensors.Random(rng, m * c * kernel * kernel);
        var b = TestTensors.Random(rng, m);
        var plain = new float[m * size * size];
        ReferenceConv.Run(g, x, w, b, plain, Activation.None);
        var magnitude = new float[plain.Length];
        ReferenceConv.Run(g, TestTensors.Abs(x), TestTensors.Abs(w), TestTensors.Abs(b), magnitude, Activation.None);
        foreach (var act in new[] { Activation.None, new Activation(FusedActivation.HardSwish) })
        {
            var conv = new ConvKernel(g, w, b, act);
            float[] At(int threads)
            {
                var y = new float[plain.Length];
                conv.Run(x, y, KernelTarget.Best(threads) with { SplitAllWork = true });
                return y;
            }
            var one = At(1);
            TestTensors.AssertClose(plain.Select(v => ActivationMath.Scalar(v, act)).ToArray(), one, magnitude, $"{c}->{m} @{size} k{kernel} {act.Kind}");
            foreach (int threads in new[] { 2, 4 })
                Assert.True(one.AsSpan().SequenceEqual(At(threads)), $"{c}->{m} @{size} k{kernel} {act.Kind}: {threads} threads differ from one");
        }
    }
}
