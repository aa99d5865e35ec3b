using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// One padded input row of a 2-D pool, laid out so that each kernel column's values for consecutive outputs
/// are contiguous: at stride 1 the row itself, at stride 2 its even and odd phases (column c of output ox is
/// phase c % 2 at ox + c / 2). Vector loops then read every tap with plain loads, padding included.
/// </summary>
internal static class PoolRowTaps
{
    /// <summary>Width of the padded row: the leading pads, the row, and whatever the last window reaches past it.</summary>
    public static int PaddedWidth(Pool2D g) => Math.Max(g.PadLeft + g.W, (g.OutW - 1) * g.StrideW + g.KernelW);

    /// <summary>Whether the taps are contiguous (strides 1 and 2); other strides read the padded row directly.</summary>
    public static bool Contiguous(Pool2D g) => g.StrideW is 1 or 2;

    /// <summary>Scratch floats one row needs: the padded row and, at stride 2, its two phases.</summary>
    public static int RowFloats(Pool2D g) => g.StrideW == 2 ? 2 * PaddedWidth(g) + 1 : PaddedWidth(g);

    /// <summary>Fills the phases of the padded row at the start of <paramref name="scratch"/> (no-op at other strides).</summary>
    public static void Split(Pool2D g, Span<float> scratch)
    {
        if (g.StrideW != 2) return;
        int pw = PaddedWidth(g);
        Deinterleave(scratch[..pw], scratch.Slice(pw, (pw + 1) / 2), scratch.Slice(pw + (pw + 1) / 2, pw / 2));
    }

    /// <summary>Where kernel column <paramref name="k"/>'s values for outputs 0, 1, ... start in the scratch (strides 1 and 2).</summary>
    public static int TapStart(Pool2D g, int k)
    {
        if (g.StrideW == 1) return k;
        int pw = PaddedWidth(g);
        return pw + ((k & 1) == 0 ? 0 : (pw + 1) / 2) + (k >> 1);
    }

    /// <summary>The even and odd elements of [a, b] (AVX2 only).</summary>
    public static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Vector256<float> a, Vector256<float> b) =>
        // The shuffle picks within 128-bit lanes ([a0 a2 b0 b2 | a4 a6 b4 b6]); the 64-bit permute orders them.
        (Avx2.Permute4x64(Avx.Shuffle(a, b, 0x88).AsDouble(), 0xD8).AsSingle(),
         Avx2.Permute4x64(Avx.Shuffle(a, b, 0xDD).AsDouble(), 0xD8).AsSingle());

    /// <summary>even[j] = src[2j], odd[j] = src[2j + 1].</summary>
    public static void Deinterleave(ReadOnlySpan<float> src, Span<float> even, Span<float> odd)
    {
        int j = 0;
        if (Avx2.IsSupported)
        {
            for (; 2 * j + 16 <= src.Length; j += 8)
            {
                var (e, o) = Deinterleave(Vector256.Create(src.Slice(2 * j, 8)), Vector256.Create(src.Slice(2 * j + 8, 8)));
                e.CopyTo(even.Slice(j, 8));
                o.CopyTo(odd.Slice(j, 8));
            }
        }
        for (; 2 * j < src.Length; j++)
        {
            even[j] = src[2 * j];
            if (2 * j + 1 < src.Length) odd[j] = src[2 * j + 1];
        }
    }
}
