using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// Where element (i, p) of an M x K matrix lives in the packed layout (see the class summary); Pack and Unpack
    /// both walk it. <paramref name="depthStep"/> is <see cref="PackedGemm.DepthStep"/>(k).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Offset(int i, int p, int k, int mPadded, int depthStep)
    {
        const int mr = GemmMicroKernel.Rows;
        int pc = p - p % depthStep, kc = Math.Min(depthStep, k - pc);
        return (long)pc * mPadded + (long)(i - i % mr) * kc + (long)(p - pc) * mr + i % mr;
    }

    /// <summary>Floats to allocate past the last packed matrix: <see cref="GemmColumnKernel"/> reads 8 at a time.</summary>
    public const int ReadSlack = 8;

    /// <summary>Packs alpha·A where A[i, p] = source[i·rowStride + p·columnStride].</summary>
    public static void Pack(float* source, int rowStride, int columnStride, int m, int k, float alpha, float* destination) =>
        PackPanels(source, rowStride, columnStride, m, k, alpha, destination, 0, PaddedRows(m) / GemmMicroKernel.Rows);

    /// <summary>
    /// Packs alpha·A as <see cref="Pack"/> does, but only the row panels [<paramref name="firstPanel"/>,
    /// firstPanel + <paramref name="panels"/>): disjoint panel ranges write disjoint memory, so threads can share
    /// the packing (a MatMul's activation is packed on every run).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackPanels(float* source, int rowStride, int columnStride, int m, int k, float alpha, float* destination, int firstPanel, int panels)
    {
        const int mr = GemmMicroKernel.Rows;
        int mPadded = PaddedRows(m);
        int depthStep = PackedGemm.DepthStep(k);
        for (int pc = 0; pc < k; pc += depthStep)
        {
            int kc = Math.Min(depthStep, k - pc);
            float* block = destination + (long)pc * mPadded;
            for (int i0 = firstPanel * mr; i0 < (firstPanel + panels) * mr; i0 += mr)
            {
                float* panel = block + (long)i0 * kc;
                int vectorDepth = 0;
                // A MatMul's activation (ConvNeXt's Linear layers: 3136 x 384 per call) is packed on every run;
                // the scalar loop below, stores 24 bytes apart, took as long as the product itself.
                if (Avx512F.IsSupported && columnStride == 1 && i0 + mr <= m)
                    vectorDepth = PackSixRows(source + (long)i0 * rowStride + pc, rowStride, kc, alpha, panel);
                for (int r = 0; r < mr; r++)
                {
                    // Along one row of a depth block, consecutive p are mr floats apart.
                    int i = i0 + r, start = pc + (columnStride == 1 ? vectorDepth : 0);
                    if (start == pc + kc) continue;
                    float* row = source + (long)i * rowStride;
                    float* packed = destination + Offset(i, start, k, mPadded, depthStep);
                    for (int p = start; p < pc + kc; p++, packed += mr) *packed = i < m ? alpha * row[(long)p * columnStride] : 0;
                }
            }
        }
    }

    /// <summary>
    /// Six contiguous rows, 16 columns at a time: the 6x16 block is transposed to 16x6 (96 floats, six vectors)
    /// by two-source permutes, each output vector picking its lanes from rows (0,1), (2,3) and (4,5) and blending.
    /// Returns how many columns it packed (a multiple of 16); the caller packs the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackSixRows(float* rows, int rowStride, int kc, float alpha, float* panel)
    {
        const int mr = GemmMicroKernel.Rows;
        int p = 0;
        fixed (int* table = TransposeTable)
        {
            var scale = Vector512.Create(alpha);
            for (; p + 16 <= kc; p += 16)
            {
                float* src = rows + p;
                var r0 = Vector512.Load(src);
                var r1 = Vector512.Load(src + rowStride);
                var r2 = Vector512.Load(src + 2L * rowStride);
                var r3 = Vector512.Load(src + 3L * rowStride);
                var r4 = Vector512.Load(src + 4L * rowStride);
                var r5 = Vector512.Load(src + 5L * rowStride);
                if (alpha != 1f)
                {
                    r0 *= scale; r1 *= scale; r2 *= scale; r3 *= scale; r4 *= scale; r5 *= scale;
                }
                float* dst = panel + p * mr;
                for (int o = 0; o < mr; o++)
                {
                    int* t = table + o * 80;
                    var x = Avx512F.PermuteVar16x32x2(r0, Vector512.Load(t), r1);
                    var y = Avx512F.PermuteVar16x32x2(r2, Vector512.Load(t + 16), r3);
                    var z = Avx512F.PermuteVar16x32x2(r4, Vector512.Load(t + 32), r5);
                    var fromX = Vector512.Load(t + 48).AsSingle();
                    var fromY = Vector512.Load(t + 64).AsSingle();
                    Vector512.Store(Vector512.ConditionalSelect(fromX, x, Vector512.ConditionalSelect(fromY, y, z)), dst + o * 16);
                }
            }
        }
        return p;
    }

    /// <summary>
    /// For output vector o (lanes f = 16o + t, holding row f % 6 at column f / 6): three permute index vectors
    /// (rows 0/1, 2/3, 4/5; 16 + q picks the second source) and two lane masks (from rows 0/1, from rows 2/3).
    /// </summary>
    private static readonly int[] TransposeTable = BuildTransposeTable();

    private static int[] BuildTransposeTable()
    {
        const int mr = GemmMicroKernel.Rows;
        var table = new int[mr * 80];
        for (int o = 0; o < mr; o++)
            for (int t = 0; t < 16; t++)
            {
                int f = o * 16 + t, q = f / mr, r = f % mr;
                table[o * 80 + r / 2 * 16 + t] = r % 2 * 16 + q;
                table[o * 80 + 48 + t] = r < 2 ? -1 : 0;
                table[o * 80 + 64 + t] = r is 2 or 3 ? -1 : 0;
            }
        return table;
    }

    /// <summary>The inverse of <see cref="Pack"/> with alpha 1 and column stride 1: writes A[i, p] to
    /// destination[i·k + p] (exactly the values packed).</summary>
    public static void Unpack(float* packed, int m, int k, float* destination)
    {
        int mPadded = PaddedRows(m);
        int depthStep = PackedGemm.DepthStep(k);
        for (int pc = 0; pc < k; pc += depthStep)
            for (int i = 0; i < m; i++)
            {
                float* source = packed + Offset(i, pc, k, mPadded, depthStep);
                for (int p = pc; p < Math.Min(k, pc + depthStep); p++, source += GemmMicroKernel.Rows) destination[(long)i * k + p] = *source;
            }
    }
}
