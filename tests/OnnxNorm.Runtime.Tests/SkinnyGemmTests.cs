using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// GEMMs with 1..5 rows of A (FC layers at batch 1, ConvTranspose with one output channel): without Bᵀ each output
/// is the sum over p in order of a[p]·B[p, j] (a zero a[p] skipped), each step a multiply then an add, then
/// alpha·sum (+ beta·C) (+ row bias) (+ column bias) and the activation. The expected values below follow that
/// definition one float operation at a time, so the kernel's blocking (64 columns in registers, vector epilogue)
/// must give exactly those bits, at every thread count.
/// </summary>
public sealed class SkinnyGemmTests
{
    [Theory]
    [InlineData(1, 200, 24, false, false)]
    [InlineData(4, 300, 24, true, true)]
    [InlineData(5, 64, 7, false, true)]
    [InlineData(3, 77, 33, true, false)]
    public void A_few_row_product_gives_the_bits_of_its_step_by_step_definition_at_any_thread_count(int m, int n, int k, bool transA, bool withBiases)
    {
        var rng = new DeterministicRandom((ulong)(m * 1000 + n));
        float[] Draw(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var a = Draw(m * k);
        for (int i = 0; i < a.Length; i += 5) a[i] = 0; // skipped steps
        var b = Draw(k * n);
        var c0 = Draw(m * n);
        var rowBias = withBiases ? Draw(m) : Array.Empty<float>();
        var columnBias = withBiases ? Draw(n) : Array.Empty<float>();
        float alpha = 0.75f, beta = withBiases ? 0.5f : 0f;
        float A(int i, int p) => transA ? a[p * m + i] : a[i * k + p];

        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float sum = 0;
            for (int p = 0; p < k; p++)
            {
                float ap = A(i, p);
                if (ap == 0) continue;
                float product = ap * b[p * n + j];
                sum += product;
            }
            float v = alpha * sum;
            if (beta != 0) v += beta * c0[i * n + j];
            if (withBiases) v += rowBias[i];
            if (withBiases) v += columnBias[j];
            expected[i * n + j] = Math.Max(v, 0f);
        }

        foreach (int threads in new[] { 1, 2, 4 })
        {
            var c = (float[])c0.Clone();
            Gemm.Sgemm(transA, false, m, n, k, alpha, a, transA ? m : k, b, n, beta, c, n, rowBias, columnBias, Activation.Relu,
                KernelTarget.Best(threads) with { SplitAllWork = threads > 1 });
            Assert.Equal(expected, c);
        }
    }
}
