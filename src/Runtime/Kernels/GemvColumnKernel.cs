using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A GEMM whose whole output is 1..2 columns wide (a squeeze-excitation 1x1 conv on a 1x1 map): each column one
/// 8-lane FMA per k (an A micro-panel row of 6 values, loaded as 8, times the broadcast B value), k split over
/// four FMA chains summed at the end. <see cref="GemmColumnKernel"/> sums each output in one chain so that a column
/// gets the same bits whichever tile computes it; here the matrix is never cut by columns, so the four chains are
/// free, and they keep the SE gates as accurate as ORT's (its GEMV sums in many lanes): with one chain PP-OCRv4
/// rec's gate Mul p2o.Mul.140 ran 8.6x ORT's own error against float64 and the per-node search named it.
/// Reads 2 floats past each A micro-panel row, so packed A buffers carry <see cref="PackedMatrixA.ReadSlack"/>.
/// </summary>
internal static unsafe class GemvColumnKernel
{
    public const int MaxColumns = 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        float* sums = stackalloc float[MaxColumns * 8];
        for (int j = 0; j < columns; j++)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* ap = a;
            float* bp = b + j;
            int p = 0;
            for (; p + 4 <= kc; p += 4, ap += 4 * mr, bp += 4 * nr)
            {
                s0 = Fma.MultiplyAdd(Avx.LoadVector256(ap), Avx.BroadcastScalarToVector256(bp), s0);
                s1 = Fma.MultiplyAdd(Avx.LoadVector256(ap + mr), Avx.BroadcastScalarToVector256(bp + nr), s1);
                s2 = Fma.MultiplyAdd(Avx.LoadVector256(ap + 2 * mr), Avx.BroadcastScalarToVector256(bp + 2 * nr), s2);
                s3 = Fma.MultiplyAdd(Avx.LoadVector256(ap + 3 * mr), Avx.BroadcastScalarToVector256(bp + 3 * nr), s3);
            }
            for (; p < kc; p++, ap += mr, bp += nr)
                s0 = Fma.MultiplyAdd(Avx.LoadVector256(ap), Avx.BroadcastScalarToVector256(bp), s0);
            Avx.Store(sums + j * 8, (s0 + s1) + (s2 + s3));
        }
        for (int r = 0; r < rows; r++)
        {
            float* cRow = c + (long)r * ldc;
            for (int j = 0; j < columns; j++)
            {
                float v = sums[j * 8 + r];
                if (accumulate) v += cRow[j];
                if (finish)
                {
                    if (rowBias != null) v += rowBias[r];
                    if (columnBias != null) v += columnBias[j];
                    v = ActivationMath.Scalar(v, activation);
                }
                cRow[j] = v;
            }
        }
    }
}
