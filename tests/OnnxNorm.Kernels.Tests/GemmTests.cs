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
            c[i * ldc + j] = ReferenceConv.Apply((float)v, act);
            magnitude[i * ldc + j] = (float)vm;
        }
        return (c, magnitude);
    }

    private static void CheckRandom(int seed, bool forceScalar = false, bool avx2Only = false)
    {
        var rng = new Random(seed);
        bool transA = rng.Next(2) == 1, transB = rng.Next(2) == 1;
        int m = rng.Next(1, 40), n = rng.Next(1, 70), k = rng.Next(0, 600);
        if (rng.Next(4) == 0) { m = rng.Next(1, 6); }  // the skinny (FC) path
        int lda = (transA ? m : k) + rng.Next(3), ldb = (transB ? k : n) + rng.Next(3), ldc = n + rng.Next(3);
        float alpha = rng.Next(3) == 0 ? 1f : (float)(rng.NextDouble() * 2 - 1);
        float beta = rng.Next(3) switch { 0 => 0f, 1 => 1f, _ => 0.5f };
        var a = TestTensors.Random(rng, Math.Max(1, (transA ? k : m) * lda));
        var b = TestTensors.Random(rng, Math.Max(1, (transB ? n : k) * ldb));
        var c = TestTensors.Random(rng, m * ldc);
        if (beta == 0) Array.Fill(c, float.NaN); // beta = 0 must ignore C entirely
        float[]? rowBias = rng.Next(3) == 0 ? TestTensors.Random(rng, m) : null;
        float[]? columnBias = rng.Next(3) == 0 ? TestTensors.Random(rng, n) : null;
        var act = TestTensors.RandomActivation(rng);
        int threads = rng.Next(1, 3);

        var cNaN = beta == 0 ? c.Select(_ => 0f).ToArray() : c;
        var (expected, magnitude) = Naive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cNaN, ldc, rowBias, columnBias, act);
        GemmMicroKernel.ForceScalar = forceScalar;
        WideGemmMicroKernel.DisableForTesting = avx2Only;
        try
        {
            Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rowBias, columnBias, act, threads);
        }
        finally
        {
            GemmMicroKernel.ForceScalar = false;
            WideGemmMicroKernel.DisableForTesting = false;
        }
        // Only the m x n window belongs to C; the padding columns past n are left as they were.
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) { c[i * ldc + j] = expected[i * ldc + j]; }
        TestTensors.AssertClose(expected, c, magnitude,
            $"seed {seed}: transA={transA} transB={transB} m={m} n={n} k={k} alpha={alpha} beta={beta} act={act.Kind} threads={threads}");
    }

    [Fact]
    public void RandomShapesMatchTheNaiveLoop()
    {
        for (int seed = 0; seed < 300; seed++) CheckRandom(seed);
    }

    [Fact]
    public void ScalarFallbackMatchesTheNaiveLoop()
    {
        for (int seed = 1000; seed < 1040; seed++) CheckRandom(seed, forceScalar: true);
    }

    [Fact]
    public void Avx2KernelMatchesTheNaiveLoop()
    {
        for (int seed = 2000; seed < 2060; seed++) CheckRandom(seed, avx2Only: true);
    }

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
            Gemm.Sgemm(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, c, n, default, bias, Activation.Relu, threads);
            var (expected, magnitude) = Naive(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, new float[m * n], n, null, bias, Activation.Relu);
            TestTensors.AssertClose(expected, c, magnitude, $"{m}x{n}x{k} threads={threads}");
        }
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
