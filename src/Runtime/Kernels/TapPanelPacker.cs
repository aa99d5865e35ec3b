using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Packs the B operand of one kernel tap's 1x1 product (<see cref="TapSparseConv"/>): B[c, j] is channel c's input
/// value under output position j of the tap's live rectangle, at a precomputed offset in the channel's plane. Panels
/// are those of <see cref="PackedGemmProblem.PackB"/> ([kc][16], zero-padded). Only copies, so the values (and the
/// product's bits) do not depend on which branch packs them.
/// </summary>
internal static unsafe class TapPanelPacker
{
    /// <summary>
    /// Channels [pc, pc + kc) x columns [0, nc) as ceil(nc/16) panels: <paramref name="channels"/> is channel 0's plane,
    /// planes are <paramref name="planeSize"/> floats apart, <paramref name="offsets"/> the plane offsets of the columns
    /// (already advanced to the first one packed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(float* channels, int planeSize, int* offsets, int pc, int kc, int nc, float* destination)
    {
        const int nr = GemmMicroKernel.Columns;
        float* first = channels + (long)pc * planeSize;
        for (int p0 = 0; p0 < nc; p0 += nr)
        {
            int width = Math.Min(nr, nc - p0);
            float* panel = destination + (long)p0 * kc;
            int* off = offsets + p0;
            if (width == nr && Contiguous(off))
            {
                // A stretch of one input row (stride 1): two plain loads per channel.
                float* source = first + off[0];
                for (int kk = 0; kk < kc; kk++, source += planeSize, panel += nr)
                {
                    Vector256.Load(source).Store(panel);
                    Vector256.Load(source + 8).Store(panel + 8);
                }
            }
            else if (width == nr && Avx2.IsSupported)
            {
                var low = Vector256.Load(off);
                var high = Vector256.Load(off + 8);
                float* source = first;
                for (int kk = 0; kk < kc; kk++, source += planeSize, panel += nr)
                {
                    Avx2.GatherVector256(source, low, 4).Store(panel);
                    Avx2.GatherVector256(source, high, 4).Store(panel + 8);
                }
            }
            else
            {
                float* source = first;
                for (int kk = 0; kk < kc; kk++, source += planeSize, panel += nr)
                    for (int lane = 0; lane < nr; lane++) panel[lane] = lane < width ? source[off[lane]] : 0f;
            }
        }
    }

    private static bool Contiguous(int* offsets)
    {
        for (int lane = 1; lane < GemmMicroKernel.Columns; lane++)
            if (offsets[lane] != offsets[0] + lane) return false;
        return true;
    }
}
