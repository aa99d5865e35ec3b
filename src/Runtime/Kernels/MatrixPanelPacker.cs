using System.Runtime.CompilerServices;
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
        for (int j0 = 0; j0 < nc; j0 += nr)
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
