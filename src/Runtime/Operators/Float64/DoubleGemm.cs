namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>Gemm in double: y[i, j] = alpha·Σ_p op(A)[i, p]·op(B)[p, j] + y[i, j] (y holds beta·C or zero).</summary>
internal static class DoubleGemm
{
    public static void Run(bool transA, bool transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, Span<double> y)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                y[i * n + j] += alpha * s;
            }
    }
}
