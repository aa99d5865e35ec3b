using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// A Transpose that is one matrix transpose per batch once size-1 dims are dropped and axes that stay adjacent and
/// in order are merged: ConvNeXt's NCHW -> NHWC and back around every LayerNorm and Linear pair (46 per run) are
/// [C, H·W] -> [H·W, C]. Copied in 8x8 blocks of float by vector shuffles (square scalar tiles otherwise),
/// instead of through an index map that reads 4 more bytes per value and gathers.
/// </summary>
internal static class BlockedTranspose
{
    private const int Tile = 16;

    /// <summary>
    /// (batches, rows, columns) when y = x transposed by <paramref name="perm"/> is, per batch, the transpose of a
    /// row-major [rows, columns] matrix; null otherwise.
    /// </summary>
    public static (int Batches, int Rows, int Columns)? Match(long[] shape, long[] perm)
    {
        // Size-1 axes moved anywhere move no data: drop them and renumber the rest.
        var kept = Enumerable.Range(0, shape.Length).Where(a => shape[a] != 1).ToArray();
        var reduced = perm.Where(p => shape[p] != 1).Select(p => Array.IndexOf(kept, (int)p)).ToArray();
        // Consecutive output axes that are consecutive input axes form one axis: (first input axis, size).
        var groups = new List<(int First, long Size)>();
        for (int i = 0; i < reduced.Length; i++)
        {
            long size = shape[kept[reduced[i]]];
            if (i > 0 && reduced[i] == reduced[i - 1] + 1) groups[^1] = (groups[^1].First, groups[^1].Size * size);
            else groups.Add((reduced[i], size));
        }
        // The groups' output positions in input order: [1, 0] or [0, 2, 1] is a (batched) matrix transpose.
        var inputOrder = Enumerable.Range(0, groups.Count).OrderBy(i => groups[i].First).ToArray();
        long total = groups.Aggregate(1L, (t, g) => t * g.Size);
        if (total > int.MaxValue) return null;
        if (inputOrder is [1, 0]) return (1, (int)groups[1].Size, (int)groups[0].Size);
        if (inputOrder is [0, 2, 1]) return ((int)groups[0].Size, (int)groups[2].Size, (int)groups[1].Size);
        return null;
    }

    /// <summary>
    /// y[b][j][i] = x[b][i][j] for each batch b of a [rows, columns] matrix; bands of <see cref="Tile"/> rows split
    /// across the target's threads (a band is copied the same way whichever thread takes it).
    /// </summary>
    public static void Run<T>(T[] x, T[] y, int batches, int rows, int columns, in KernelTarget target) where T : unmanaged
    {
        int bands = (rows + Tile - 1) / Tile;
        ParallelRanges.Run(batches * bands, (long)Tile * columns * ParallelWork.GatheredValueCost, target, new Bands<T>(x, y, bands, rows, columns));
    }

    private readonly struct Bands<T>(T[] x, T[] y, int bands, int rows, int columns) : IRangeWork where T : unmanaged
    {
        public void Run(int first, int count)
        {
            long matrix = (long)rows * columns;
            for (int band = first; band < first + count; band++)
            {
                int b = band / bands, i0 = band % bands * Tile, i1 = Math.Min(rows, i0 + Tile);
                var src = x.AsSpan((int)(b * matrix), (int)matrix);
                var dst = y.AsSpan((int)(b * matrix), (int)matrix);
                if (typeof(T) == typeof(float) && Avx.IsSupported)
                    TransposeFloats(MemoryMarshal.Cast<T, float>(src), MemoryMarshal.Cast<T, float>(dst), rows, columns, i0, i1);
                else Tiles<T>(src, dst, rows, columns, i0, i1, 0, columns);
            }
        }
    }

    // Rows [rowStart, rowEnd) x columns [columnStart, columnEnd) in square scalar tiles.
    private static void Tiles<T>(ReadOnlySpan<T> src, Span<T> dst, int rows, int columns, int rowStart, int rowEnd, int columnStart, int columnEnd)
        where T : unmanaged
    {
        for (int i0 = rowStart; i0 < rowEnd; i0 += Tile)
        {
            int i1 = Math.Min(rowEnd, i0 + Tile);
            for (int j0 = columnStart; j0 < columnEnd; j0 += Tile)
            {
                int j1 = Math.Min(columnEnd, j0 + Tile);
                for (int j = j0; j < j1; j++)
                {
                    var column = dst.Slice(j * rows, rows);
                    for (int i = i0; i < i1; i++) column[i] = src[i * columns + j];
                }
            }
        }
    }

    // Rows [rowStart, rowEnd) in 8x8 blocks by the depthwise layout's register transpose, the ragged edges by Tiles.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TransposeFloats(ReadOnlySpan<float> src, Span<float> dst, int rows, int columns, int rowStart, int rowEnd)
    {
        int fullEnd = rowStart + ((rowEnd - rowStart) & ~7), fullColumns = columns & ~7;
        fixed (float* s = src)
        fixed (float* d = dst)
            for (int i0 = rowStart; i0 < fullEnd; i0 += 8)
                for (int j0 = 0; j0 < fullColumns; j0 += 8)
                {
                    float* a = s + (long)i0 * columns + j0;
                    ChannelBlockLayout.Transpose8(Avx.LoadVector256(a), Avx.LoadVector256(a + columns),
                        Avx.LoadVector256(a + 2 * columns), Avx.LoadVector256(a + 3 * columns), Avx.LoadVector256(a + 4 * columns),
                        Avx.LoadVector256(a + 5 * columns), Avx.LoadVector256(a + 6 * columns), Avx.LoadVector256(a + 7 * columns),
                        d + (long)j0 * rows + i0, rows);
                }
        Tiles(src, dst, rows, columns, fullEnd, rowEnd, 0, columns);
        Tiles(src, dst, rows, columns, rowStart, fullEnd, fullColumns, columns);
    }
}
