namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Single-precision matrix multiply: C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions.
/// This first version is the plain loop; the optimised kernel replaces its inside, not its API.
/// </summary>
public static class Gemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float acc = 0;
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[p * lda + i] : a[i * lda + p];
                float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                acc += av * bv;
            }
            c[i * ldc + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * ldc + j]);
        }
    }
}
