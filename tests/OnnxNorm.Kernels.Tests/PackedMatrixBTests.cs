using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>The GEMM reading a B packed once (a MatMul's constant weights) in place instead of packing it per block.</summary>
public class PackedMatrixBTests
{
    // Ragged N (16/32-column panels with masked, single-panel and 1..2-column edges), K over one and several
    // depth blocks, M from the skinny 1..5 rows through row-split sizes; ConvNeXt's 49 x 384 -> 1536 shape.
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 7, 5 }, { 5, 49, 300 }, { 6, 16, 16 }, { 13, 33, 257 }, { 49, 196, 384 }, { 40, 100, 600 },
        { 97, 17, 91 }, { 120, 260, 520 }, { 49, 1536, 384 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PrepackedBMatchesTheNaiveLoopOnEveryKernelAtOneTwoAndFourThreads(int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        var a = TestTensors.Random(rng, m * k);
        var b = TestTensors.Random(rng, k * n);
        var bias = TestTensors.Random(rng, n);
        var act = new Activation(FusedActivation.Swish);
        var expected = new float[m * n];
        var magnitude = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias[j], size = Math.Abs(bias[j]);
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * b[p * n + j];
                    size += Math.Abs((double)a[i * k + p] * b[p * n + j]);
                }
                expected[i * n + j] = ActivationMath.Scalar((float)sum, act);
                magnitude[i * n + j] = (float)size;
            }

        var packed = PackedMatrixB.Copy(b, k, n);
        foreach (var isa in new[] { KernelIsa.Avx512, KernelIsa.Avx2, KernelIsa.Scalar }.Select(KernelSupport.Limit).Distinct())
        {
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 4 })
            {
                var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
                Gemm.Sgemm(m, a, k, packed, c, n, bias, act, new KernelTarget(isa, threads, SplitAllWork: threads > 1));
                TestTensors.AssertClose(expected, c, magnitude, $"{m}x{n}x{k} {isa} at {threads} threads");
                first ??= c;
                Assert.Equal(first, c);
            }
        }
    }

    [Theory]
    [InlineData(6, 49, 384)]
    [InlineData(100, 196, 600)]
    [InlineData(31, 1536, 96)]
    public void PrepackedBGivesTheBitsOfPackingPerBlock(int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        var a = TestTensors.Random(rng, m * k);
        var b = TestTensors.Random(rng, k * n);
        var perBlock = new float[m * n];
        var prepacked = new float[m * n];
        foreach (int threads in new[] { 1, 2 })
        {
            var target = new KernelTarget(KernelSupport.Best, threads, SplitAllWork: threads > 1);
            Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, perBlock, n, default, default, Activation.Relu, target);
            Gemm.Sgemm(m, a, k, PackedMatrixB.InPlace((float[])b.Clone(), k, n), prepacked, n, default, Activation.Relu, target);
            Assert.Equal(perBlock, prepacked);
        }
    }
}
