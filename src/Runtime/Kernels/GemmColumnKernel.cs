using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The last 1..2 columns of a block, e.g. the 49th output of a 7x7 map. A 16-wide tile would spend 16 lanes
/// per k on them; here each column is one 8-lane FMA per k (an A micro-panel row of 6 values, loaded as 8,
/// times the broadcast B value), with k unrolled by 4 so the FMA chains do not wait on each other. Two loads
/// per FMA: from 3 columns on, the masked 16-wide tile is faster (14x14 maps' 4-column tail, 196 = 6·32 + 4,
/// ran 4-10 % faster there).
/// Reads 2 floats past each A micro-panel row, so packed A buffers carry <see cref="PackedMatrixA.ReadSlack"/>.
/// </summary>
internal static unsafe class GemmColumnKernel
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
