using CsCheck;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

public class GemmTests
{
    private static (float[] C, float[] Magnitude) Naive(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c0, int ldc, float[]? rowBias, float[]? columnBias, Activation act)
    {
        var c = (float[])c0.Clone();
        var magnitude = new float[c.Length];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double acc = 0, mag = 0;
            for (int p = 0; p < k; p++)
            {
                double av = transA ? a[p * lda + i] : a[i * lda + p];
                double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                acc += av * bv;
                mag += Math.Abs(av * bv);
            }
            double v = alpha * acc, vm = Math.Abs(alpha) * mag;
            if (beta != 0) { v += beta * c[i * ldc + j]; vm += Math.Abs(beta * c[i * ldc + j]); }
            if (rowBias is not null) { v += rowBias[i]; vm += Math.Abs(rowBias[i]); }
            if (columnBias is not null) { v += columnBias[j]; vm += Math.Abs(columnBias[j]); }
            c[i * ldc + j] = ActivationMath.Scalar((float)v, act);
            magnitude[i * ldc + j] = (float)vm;
        }
        return (c, magnitude);
    }

    /// <summary>One random GEMM: the shape and options shrink on failure; the data comes from <see cref="DataSeed"/>.</summary>
    private sealed record GemmCase(bool TransA, bool TransB, int M, int N, int K, int PadA, int PadB, int PadC,
        float Alpha, float Beta, bool RowBias, bool ColumnBias, int Threads, int DataSeed);

    // Shapes around the micro-kernel tiles (6 rows, 16/32 columns) and the depth blocks; a quarter of the cases
    // are skinny (1-5 rows: the FC path). alpha 1 or in [-1, 1]; beta 0 (C ignored), 1 or 0.5.
    private static readonly Gen<GemmCase> Cases = Gen.Select(
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Int[0, 3], Gen.Int[1, 39], Gen.Int[1, 69],
            (transA, transB, skinny, m, n) => (transA, transB, m: skinny == 0 ? 1 + m % 5 : m, n)),
        Gen.Select(Gen.Int[0, 599], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2], (k, padA, padB, padC) => (k, padA, padB, padC)),
        Gen.Select(Gen.Int[0, 2], Gen.Float[-1f, 1f], Gen.Int[0, 2], (a, alpha, b) => (alpha: a == 0 ? 1f : alpha, beta: b switch { 0 => 0f, 1 => 1f, _ => 0.5f })),
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[1, 2], Gen.Int, (row, column, threads, seed) => (row: row == 0, column: column == 0, threads, seed)),
        (shape, depth, coefficients, extras) => new GemmCase(shape.transA, shape.transB, shape.m, shape.n, depth.k, depth.padA, depth.padB,
            depth.padC, coefficients.alpha, coefficients.beta, extras.row, extras.column, extras.threads, extras.seed));

    private static void Check(GemmCase g, KernelIsa isa)
    {
        var rng = new Random(g.DataSeed);
        int m = g.M, n = g.N, k = g.K;
        int lda = (g.TransA ? m : k) + g.PadA, ldb = (g.TransB ? k : n) + g.PadB, ldc = n + g.PadC;
        var a = TestTensors.Random(rng, Math.Max(1, (g.TransA ? k : m) * lda));
        var b = TestTensors.Random(rng, Math.Max(1, (g.TransB ? n : k) * ldb));
        var c = TestTensors.Random(rng, m * ldc);
        if (g.Beta == 0) Array.Fill(c, float.NaN); // beta = 0 must ignore C entirely
        float[]? rowBias = g.RowBias ? TestTensors.Random(rng, m) : null;
        float[]? columnBias = g.ColumnBias ? TestTensors.Random(rng, n) : null;
        var act = TestTensors.RandomActivation(rng);

        var cNaN = g.Beta == 0 ? c.Select(_ => 0f).ToArray() : c;
        var (expected, magnitude) = Naive(g.TransA, g.TransB, m, n, k, g.Alpha, a, lda, b, ldb, g.Beta, cNaN, ldc, rowBias, columnBias, act);
        Gemm.Sgemm(g.TransA, g.TransB, m, n, k, g.Alpha, a, lda, b, ldb, g.Beta, c, ldc, rowBias, columnBias, act,
            new KernelTarget(isa, g.Threads, SplitAllWork: g.Threads > 1));
        // Only the m x n window belongs to C; the padding columns past n are left as they were.
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) { c[i * ldc + j] = expected[i * ldc + j]; }
        TestTensors.AssertClose(expected, c, magnitude, $"{g} act={act.Kind} isa={isa}");
    }

    /// <summary>
    /// CsCheck runs <paramref name="iterations"/> random cases (a failure is shrunk to the smallest failing shape and
    /// reported with the seed that replays it: CsCheck_Seed=...) on the instruction set given.
    /// </summary>
    private static void SampleCases(long iterations, KernelIsa isa) => Cases.Sample(g => Check(g, isa), iter: iterations);

    [Fact]
    public void RandomShapesMatchTheNaiveLoop() => SampleCases(300, KernelSupport.Best);

    [Fact]
    public void ScalarFallbackMatchesTheNaiveLoop() => SampleCases(40, KernelIsa.Scalar);

    [Fact]
    public void Avx2KernelMatchesTheNaiveLoop() => SampleCases(60, KernelIsa.Avx2);

    [Theory]
    [InlineData(1, 1000, 512, true)]   // FC layer at batch 1, ONNX's transB layout
    [InlineData(3, 1000, 512, false)]
    [InlineData(64, 3136, 64, false)]  // a 1x1 conv's GEMM
    [InlineData(97, 131, 517, true)]
    public void LargeShapesMatchTheNaiveLoop(int m, int n, int k, bool transB)
    {
        var rng = new Random(m * 31 + n);
        var a = TestTensors.Random(rng, m * k);
        var b = TestTensors.Random(rng, n * k);
        var bias = TestTensors.Random(rng, n);
        foreach (int threads in new[] { 1, 2 })
        {
            var c = new float[m * n];
            Gemm.Sgemm(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, c, n, default, bias, Activation.Relu, KernelTarget.Best(threads));
            var (expected, magnitude) = Naive(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, new float[m * n], n, null, bias, Activation.Relu);
            TestTensors.AssertClose(expected, c, magnitude, $"{m}x{n}x{k} threads={threads}");
        }
    }

    // A is packed by panel ranges on the product's threads (ConvNeXt's Linear layers: 3136 rows); plain and
    // transposed A, alpha folded in while packing, a ragged last panel (301 rows).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_packed_on_several_threads_gives_the_one_thread_bits_and_the_float64_product(bool transA)
    {
        const int m = 301, n = 96, k = 384;
        const float alpha = 0.75f;
        var rng = new Random(transA ? 7 : 8);
        var a = TestTensors.Random(rng, m * k);
        var b = TestTensors.Random(rng, k * n);
        var bias = TestTensors.Random(rng, n);
        int lda = transA ? m : k;
        float[] Run(int threads)
        {
            var c = new float[m * n];
            Gemm.Sgemm(transA, false, m, n, k, alpha, a, lda, b, n, 0f, c, n, default, bias, Activation.None,
                new KernelTarget(KernelSupport.Best, threads, SplitAllWork: true));
            return c;
        }
        var one = Run(1);
        var (expected, magnitude) = Naive(transA, false, m, n, k, alpha, a, lda, b, n, 0f, new float[m * n], n, null, bias, Activation.None);
        TestTensors.AssertClose(expected, one, magnitude, $"{m}x{n}x{k} transA={transA}");
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(4));
    }

    [Theory]
    [InlineData(1, 1000, 1280)] // MobileNet/EfficientNet classifiers
    [InlineData(2, 257, 77)]    // ragged: 257 rows of B over 64-row tasks, K with an 8-wide and a scalar tail
    public void A_batch_one_fc_layer_gives_the_same_bits_at_one_two_and_four_threads(int m, int n, int k)
    {
        var rng = new Random(n + k);
        var a = TestTensors.Random(rng, m * k);
        var b = TestTensors.Random(rng, n * k);
        var bias = TestTensors.Random(rng, n);
        float[] Run(int threads)
        {
            var c = new float[m * n];
            Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, default, bias, Activation.None,
                new KernelTarget(KernelSupport.Best, threads, SplitAllWork: true));
            return c;
        }
        var one = Run(1);
        var (expected, magnitude) = Naive(false, true, m, n, k, 1f, a, k, b, k, 0f, new float[m * n], n, null, bias, Activation.None);
        TestTensors.AssertClose(expected, one, magnitude, $"{m}x{n}x{k}");
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(4));
    }

    [Fact]
    public void ShortOperandsAreRejectedNotOverread()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 4, 1f, a, 4, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, new float[3], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
    }

    [Fact]
    public void OriginalOverloadStillComputesAlphaBeta()
    {
        var a = new float[] { 1, 2, 3, 4 };       // 2x2
        var b = new float[] { 5, 6, 7, 8 };       // 2x2
        var c = new float[] { 1, 1, 1, 1 };
        Gemm.Sgemm(false, false, 2, 2, 2, 2f, a, 2, b, 2, 3f, c, 2);
        Assert.Equal(new float[] { 2 * 19 + 3, 2 * 22 + 3, 2 * 43 + 3, 2 * 50 + 3 }, c);
    }
}
