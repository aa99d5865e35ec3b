using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Writes one packed row (a fixed p) across consecutive panels: 16 values go to a panel, then the
/// cursor jumps kc·16 floats to the same row of the next panel.
/// </summary>
internal unsafe struct PanelCursor
{
    private const int Nr = GemmMicroKernel.Columns;

    private float* _row;
    private int _column;
    private readonly long _panelStride;

    public PanelCursor(float* row, long panelStride)
    {
        _row = row;
        _column = 0;
        _panelStride = panelStride;
    }

    public void Put(float value)
    {
        _row[_column] = value;
        if (++_column == Nr) { _column = 0; _row += _panelStride; }
    }

    public void Zeros(int count)
    {
        while (count > 0)
        {
            int chunk = Math.Min(Nr - _column, count);
            float* dst = _row + _column;
            if (chunk == Nr)
            {
                Vector256.Store(Vector256<float>.Zero, dst);
                Vector256.Store(Vector256<float>.Zero, dst + 8);
            }
            else
            {
                for (int j = 0; j < chunk; j++) dst[j] = 0;
            }
            Advance(chunk);
            count -= chunk;
        }
    }

    public void Copy(float* source, int count)
    {
        while (count > 0)
        {
            int chunk = Math.Min(Nr - _column, count);
            float* dst = _row + _column;
            if (chunk == Nr)
            {
                Vector256.Store(Vector256.Load(source), dst);
                Vector256.Store(Vector256.Load(source + 8), dst + 8);
            }
            else
            {
                int j = 0;
                if (chunk >= 8) { Vector256.Store(Vector256.Load(source), dst); j = 8; }
                for (; j < chunk; j++) dst[j] = source[j];
            }
            source += chunk;
            Advance(chunk);
            count -= chunk;
        }
    }

    /// <summary>
    /// Copies every stride-th value; stride 2 (downsampling convs) deinterleaves 16 loaded values into 8
    /// with two shuffles, used only while the 16 loads stay below <paramref name="readLimit"/> (the end of
    /// the input row, so never past the caller's buffer).
    /// </summary>
    public void CopyStrided(float* source, int stride, int count, float* readLimit)
    {
        while (count > 0)
        {
            int chunk = Math.Min(Nr - _column, count);
            float* dst = _row + _column;
            int j = 0;
            if (stride == 2 && Avx2.IsSupported)
            {
                for (; j + 8 <= chunk && source + 2 * j + 16 <= readLimit; j += 8)
                {
                    var lo = Avx.LoadVector256(source + 2 * j);
                    var hi = Avx.LoadVector256(source + 2 * j + 8);
                    // [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6] then reorder the 64-bit pairs to 0,2,1,3.
                    var evens = Avx.Shuffle(lo, hi, 0b10_00_10_00);
                    Avx.Store(dst + j, Avx2.Permute4x64(evens.AsDouble(), 0b11_01_10_00).AsSingle());
                }
            }
            for (; j < chunk; j++) dst[j] = source[(long)j * stride];
            source += (long)chunk * stride;
            Advance(chunk);
            count -= chunk;
        }
    }

    /// <summary>
    /// Every other value (stride-2 convs) with AVX-512: per panel chunk, two masked loads (only the values read,
    /// so never past the input row), one two-source permute picking the even ones, one masked store.
    /// </summary>
    public void CopyEveryOther(float* source, int count)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        while (count > 0)
        {
            int chunk = Math.Min(Nr - _column, count), span = 2 * chunk - 1;
            var low = Avx512F.MaskLoad(source, Lanes(span), Vector512<float>.Zero);
            var high = Avx512F.MaskLoad(source + 16, Lanes(span - 16), Vector512<float>.Zero);
            Avx512F.MaskStore(_row + _column, Lanes(chunk), Avx512F.PermuteVar16x32x2(low, evens, high));
            source += 2L * chunk;
            Advance(chunk);
            count -= chunk;
        }
    }

    /// <summary>A mask of the first <paramref name="count"/> lanes (none when count ≤ 0).</summary>
    private static Vector512<float> Lanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    private void Advance(int chunk)
    {
        _column += chunk;
        if (_column == Nr) { _column = 0; _row += _panelStride; }
    }
}
