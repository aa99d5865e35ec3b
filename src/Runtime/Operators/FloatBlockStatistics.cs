using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// <see cref="Normalize.BlockRange{T}"/> for float32 rows, vectorised: the sums in double over 8 lanes (two
/// 4-lane accumulators, combined in a fixed order, so a row's statistics depend only on the row), and each output
/// (x − μ)·(1/σ) in double rounded once, as the scalar form does. With AVX-512 the same lane operations run on
/// 8 doubles a register (half the instructions; the same bits). ConvNeXt normalises 23 tensors of up to 3,136
/// rows per run; the scalar double loops took 10% of it.
/// </summary>
internal static class FloatBlockStatistics
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BlockRange(ReadOnlySpan<float> x, Span<float> y, int first, int count, int size, double epsilon, float[] means, float[] invs)
    {
        for (int bl = first; bl < first + count; bl++)
        {
            var src = x.Slice(bl * size, size);
            var dst = y.Slice(bl * size, size);
            double m = size == 0 ? 0 : Sum(src, 0, false) / size;
            double inv = 1.0 / Math.Sqrt((size == 0 ? 0 : Sum(src, m, true) / size) + epsilon);
            means[bl] = (float)m;
            invs[bl] = (float)inv;
            ref float s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            int i = 0;
            if (Avx512F.IsSupported)
            {
                Vector512<double> mv = Vector512.Create(m), iv = Vector512.Create(inv);
                for (; i + 8 <= size; i += 8)
                {
                    var v = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref s, (nuint)i));
                    Avx512F.ConvertToVector256Single((v - mv) * iv).StoreUnsafe(ref d, (nuint)i);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Vector256<double> mv = Vector256.Create(m), iv = Vector256.Create(inv);
                for (; i + 8 <= size; i += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                    Vector256.Narrow((lo - mv) * iv, (hi - mv) * iv).StoreUnsafe(ref d, (nuint)i);
                }
            }
            for (; i < size; i++) dst[i] = (float)((src[i] - m) * inv);
        }
    }

    // Σ v (or Σ (v − m)² when squares), 8 values a step into two accumulators, then the tail one by one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum(ReadOnlySpan<float> row, double m, bool squares)
    {
        int i = 0;
        double total = 0;
        if (Avx512F.IsSupported && row.Length >= 8)
        {
            // The 8 values widened into one register: lanes 0-3 and 4-7 are the two accumulators below.
            ref float s = ref MemoryMarshal.GetReference(row);
            Vector512<double> a = Vector512<double>.Zero, mv = Vector512.Create(m);
            for (; i + 8 <= row.Length; i += 8)
            {
                var v = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref s, (nuint)i));
                if (squares)
                {
                    v -= mv;
                    a += v * v;
                }
                else a += v;
            }
            total = Vector256.Sum(a.GetLower() + a.GetUpper());
        }
        else if (Vector256.IsHardwareAccelerated && row.Length >= 8)
        {
            ref float s = ref MemoryMarshal.GetReference(row);
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero, mv = Vector256.Create(m);
            for (; i + 8 <= row.Length; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                if (squares)
                {
                    lo -= mv;
                    hi -= mv;
                    a0 += lo * lo;
                    a1 += hi * hi;
                }
                else
                {
                    a0 += lo;
                    a1 += hi;
                }
            }
            total = Vector256.Sum(a0 + a1);
        }
        for (; i < row.Length; i++)
        {
            double v = squares ? row[i] - m : row[i];
            total += squares ? v * v : v;
        }
        return total;
    }
}
