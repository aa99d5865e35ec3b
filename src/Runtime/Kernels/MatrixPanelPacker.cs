using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Packs a block of a plain row-major B (or Bᵀ) into the micro-kernel's column panels ([kc][16] each),
/// zero-filling columns past the end so edge tiles need no special case in the inner loop.
/// </summary>
internal static unsafe class MatrixPanelPacker
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(float* b, int ldb, bool transposed, int pc, int kc, int jc, int nc, float* destination)
    {
        const int nr = GemmMicroKernel.Columns;
        int j0 = 0;
        if (!transposed && Vector256.IsHardwareAccelerated)
        {
            // A MatMul's weights are packed on every run (9 MB per ConvNeXt stage-4 Linear layer): row by row, so
            // B is read sequentially, each full panel's 16 values as two vectors.
            int fullPanels = nc / nr;
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(pc + p) * ldb + jc;
                float* dst = destination + p * nr;
                for (int panel = 0; panel < fullPanels; panel++, src += nr, dst += (long)nr * kc)
                {
                    Vector256.Store(Vector256.Load(src), dst);
                    Vector256.Store(Vector256.Load(src + 8), dst + 8);
                }
            }
            j0 = fullPanels * nr;
        }
        for (; j0 < nc; j0 += nr)
        {
            float* panel = destination + (long)j0 * kc;
            int width = Math.Min(nr, nc - j0);
            if (!transposed)
            {
                // Rows of B are contiguous: each panel row is a short memcpy.
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + j0;
                    float* dst = panel + p * nr;
                    int j = 0;
                    for (; j < width; j++) dst[j] = src[j];
                    for (; j < nr; j++) dst[j] = 0;
                }
            }
            else
            {
                // Bᵀ: column j of B is row j of the stored matrix, contiguous along K.
                for (int j = 0; j < nr; j++)
                {
                    if (j >= width)
                    {
                        for (int p = 0; p < kc; p++) panel[p * nr + j] = 0;
                        continue;
                    }
                    float* src = b + (long)(jc + j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = src[p];
                }
            }
        }
    }
}
