using System.Runtime.CompilerServices;
namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The A operand laid out for <see cref="GemmMicroKernel"/>: K is cut into blocks of
/// <see cref="PackedGemm.DepthStep"/>; inside a block, rows come in panels of 6, each panel stored as
/// [kc][6] so the micro-kernel reads A strictly sequentially. Rows past M are zero (their results are
/// computed and dropped). Element (i, p) of block pc lives at pc·MPadded + (i/6)·6·kc + (p-pc)·6 + i%6.
/// </summary>
internal static unsafe class PackedMatrixA
{
    public static int PaddedRows(int m) => (m + GemmMicroKernel.Rows - 1) / GemmMicroKernel.Rows * GemmMicroKernel.Rows;

    public static int Size(int m, int k) => PaddedRows(m) * k;

    /// <summary>Floats to allocate past the last packed matrix: <see cref="GemmColumnKernel"/> reads 8 at a time.</summary>
    public const int ReadSlack = 8;

    /// <summary>Packs alpha·A where A[i, p] = source[i·rowStride + p·columnStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(float* source, int rowStride, int columnStride, int m, int k, float alpha, float* destination)
    {
        const int mr = GemmMicroKernel.Rows;
        int mPadded = PaddedRows(m);
        int depthStep = PackedGemm.DepthStep(k);
        for (int pc = 0; pc < k; pc += depthStep)
        {
            int kc = Math.Min(depthStep, k - pc);
            float* block = destination + (long)pc * mPadded;
            for (int i0 = 0; i0 < mPadded; i0 += mr)
            {
                float* panel = block + (long)i0 * kc;
                for (int r = 0; r < mr; r++)
                {
                    int i = i0 + r;
                    if (i >= m)
                    {
                        for (int p = 0; p < kc; p++) panel[p * mr + r] = 0;
                        continue;
                    }
                    float* row = source + (long)i * rowStride + (long)pc * columnStride;
                    if (columnStride == 1)
                        for (int p = 0; p < kc; p++) panel[p * mr + r] = alpha * row[p];
                    else
                        for (int p = 0; p < kc; p++) panel[p * mr + r] = alpha * row[(long)p * columnStride];
                }
            }
        }
    }

    /// <summary>The inverse of <see cref="Pack"/> with alpha 1 and column stride 1: writes A[i, p] to
    /// destination[i·k + p] (exactly the values packed).</summary>
    public static void Unpack(float* packed, int m, int k, float* destination)
    {
        const int mr = GemmMicroKernel.Rows;
        int mPadded = PaddedRows(m);
        int depthStep = PackedGemm.DepthStep(k);
        for (int pc = 0; pc < k; pc += depthStep)
        {
            int kc = Math.Min(depthStep, k - pc);
            float* block = packed + (long)pc * mPadded;
            for (int i = 0; i < m; i++)
            {
                float* panel = block + (long)(i - i % mr) * kc;
                float* row = destination + (long)i * k + pc;
                for (int p = 0; p < kc; p++) row[p] = panel[p * mr + i % mr];
            }
        }
    }
}
