using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A 6x48 AVX-512 tile from one packed A micro-panel and three adjacent 16-column B micro-panels: 18 zmm
/// accumulators, 3 B loads and 6 broadcasts per 18 FMAs (the 6x32 tile needs 8 per 12). Its point is the small
/// maps: 49 columns (7x7) are one 6x48 tile plus one column for the column kernel, instead of a 6x32 tile, a
/// 16-column tile and a column.
/// Each output is one FMA chain over k from zero, as in <see cref="WideGemmMicroKernel"/>, so a column gets the
/// same bits whichever of the two computes it.
/// </summary>
internal static unsafe class TripleGemmMicroKernel
{
    public const int Columns = 3 * GemmMicroKernel.Columns;

    /// <summary>
    /// C[0..rows, 0..columns] = (accumulate ? C : 0) + A·[B0 B1 B2], then on <paramref name="finish"/> the row/column
    /// bias and activation. B panel q starts at b + q·<paramref name="panelStride"/>, its rows <paramref name="rowStride"/>
    /// floats apart (16 when packed). Only the first <paramref name="rows"/> rows are computed (3, 4 or all 6 of the
    /// panel's rows; padding rows of A are zero) and stored; below 48 columns (33..47) the
    /// third panel is masked, going through <paramref name="scratch"/> (6·48 floats) so that no accumulator is live
    /// across a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, long panelStride, int rowStride, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns, float* scratch)
    {
        // A tile of fewer rows (the last of 32 output channels holds 2, of 64 holds 4) computes only those rows.
        if (rows <= 3) Run<ThreeRows>(kc, a, b, panelStride, rowStride, c, ldc, accumulate, finish, rowBias, columnBias, activation, rows, columns, scratch);
        else if (rows == 4) Run<FourRows>(kc, a, b, panelStride, rowStride, c, ldc, accumulate, finish, rowBias, columnBias, activation, rows, columns, scratch);
        else Run<SixRows>(kc, a, b, panelStride, rowStride, c, ldc, accumulate, finish, rowBias, columnBias, activation, rows, columns, scratch);
    }

    /// <summary>How many rows of the A panel a form of the kernel computes (a constant per type, so the JIT drops the rest).</summary>
    private interface IRowCount { static abstract int Count { get; } }
    private readonly struct ThreeRows : IRowCount { public static int Count => 3; }
    private readonly struct FourRows : IRowCount { public static int Count => 4; }
    private readonly struct SixRows : IRowCount { public static int Count => 6; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TRows>(int kc, float* a, float* b, long panelStride, int rowStride, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns, float* scratch) where TRows : struct, IRowCount
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        float* b1 = b + panelStride, b2 = b + 2 * panelStride;
        for (int p = 0; p < kc; p++)
        {
            // See WideGemmMicroKernel: A streams from L3 on its first use; the next micro-panel is contiguous.
            Sse.Prefetch0(a + 384);
            var x0 = Avx512F.LoadVector512(b);
            var x1 = Avx512F.LoadVector512(b1);
            var x2 = Avx512F.LoadVector512(b2);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, x0, c00); c01 = Avx512F.FusedMultiplyAdd(av, x1, c01); c02 = Avx512F.FusedMultiplyAdd(av, x2, c02);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, x0, c10); c11 = Avx512F.FusedMultiplyAdd(av, x1, c11); c12 = Avx512F.FusedMultiplyAdd(av, x2, c12);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, x0, c20); c21 = Avx512F.FusedMultiplyAdd(av, x1, c21); c22 = Avx512F.FusedMultiplyAdd(av, x2, c22);
            if (TRows.Count > 3)
            {
                av = Vector512.Create(a[3]);
                c30 = Avx512F.FusedMultiplyAdd(av, x0, c30); c31 = Avx512F.FusedMultiplyAdd(av, x1, c31); c32 = Avx512F.FusedMultiplyAdd(av, x2, c32);
            }
            if (TRows.Count > 4)
            {
                av = Vector512.Create(a[4]);
                c40 = Avx512F.FusedMultiplyAdd(av, x0, c40); c41 = Avx512F.FusedMultiplyAdd(av, x1, c41); c42 = Avx512F.FusedMultiplyAdd(av, x2, c42);
                av = Vector512.Create(a[5]);
                c50 = Avx512F.FusedMultiplyAdd(av, x0, c50); c51 = Avx512F.FusedMultiplyAdd(av, x1, c51); c52 = Avx512F.FusedMultiplyAdd(av, x2, c52);
            }
            a += GemmMicroKernel.Rows;
            b += rowStride;
            b1 += rowStride;
            b2 += rowStride;
        }
        if (columns < Columns)
        {
            Avx512F.Store(scratch, c00); Avx512F.Store(scratch + 16, c01); Avx512F.Store(scratch + 32, c02);
            Avx512F.Store(scratch + 48, c10); Avx512F.Store(scratch + 64, c11); Avx512F.Store(scratch + 80, c12);
            Avx512F.Store(scratch + 96, c20); Avx512F.Store(scratch + 112, c21); Avx512F.Store(scratch + 128, c22);
            Avx512F.Store(scratch + 144, c30); Avx512F.Store(scratch + 160, c31); Avx512F.Store(scratch + 176, c32);
            Avx512F.Store(scratch + 192, c40); Avx512F.Store(scratch + 208, c41); Avx512F.Store(scratch + 224, c42);
            Avx512F.Store(scratch + 240, c50); Avx512F.Store(scratch + 256, c51); Avx512F.Store(scratch + 272, c52);
            StoreRagged(scratch, c, ldc, rows, columns, accumulate, finish, rowBias, columnBias, activation);
            return;
        }
        bool hasColumnBias = finish && columnBias != null;
        Vector512<float> cb0 = default, cb1 = default, cb2 = default;
        if (hasColumnBias)
        {
            cb0 = Avx512F.LoadVector512(columnBias);
            cb1 = Avx512F.LoadVector512(columnBias + 16);
            cb2 = Avx512F.LoadVector512(columnBias + 32);
        }
        StoreRow(c, c00, c01, c02, accumulate, finish, rowBias, 0, hasColumnBias, cb0, cb1, cb2, activation);
        if (rows <= 1) return;
        StoreRow(c += ldc, c10, c11, c12, accumulate, finish, rowBias, 1, hasColumnBias, cb0, cb1, cb2, activation);
        if (rows <= 2) return;
        StoreRow(c += ldc, c20, c21, c22, accumulate, finish, rowBias, 2, hasColumnBias, cb0, cb1, cb2, activation);
        if (rows <= 3) return;
        StoreRow(c += ldc, c30, c31, c32, accumulate, finish, rowBias, 3, hasColumnBias, cb0, cb1, cb2, activation);
        if (rows <= 4) return;
        StoreRow(c += ldc, c40, c41, c42, accumulate, finish, rowBias, 4, hasColumnBias, cb0, cb1, cb2, activation);
        if (rows <= 5) return;
        StoreRow(c += ldc, c50, c51, c52, accumulate, finish, rowBias, 5, hasColumnBias, cb0, cb1, cb2, activation);
    }

    /// <summary>The epilogue of a 33..47-column tile from the sums in <paramref name="sums"/> ([6][48]): the third panel is masked.</summary>
    private static void StoreRagged(float* sums, float* c, int ldc, int rows, int columns, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns - 32)).AsSingle();
        bool hasColumnBias = finish && columnBias != null;
        Vector512<float> cb0 = default, cb1 = default, cb2 = default;
        if (hasColumnBias)
        {
            cb0 = Avx512F.LoadVector512(columnBias);
            cb1 = Avx512F.LoadVector512(columnBias + 16);
            cb2 = Avx512F.MaskLoad(columnBias + 32, mask, Vector512<float>.Zero);
        }
        for (int r = 0; r < rows; r++, c += ldc, sums += Columns)
            StoreRow(c, Avx512F.LoadVector512(sums), Avx512F.LoadVector512(sums + 16), Avx512F.LoadVector512(sums + 32), accumulate, finish,
                rowBias, r, hasColumnBias, cb0, cb1, cb2, activation, ragged: true, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, bool accumulate, bool finish,
        float* rowBias, int row, bool hasColumnBias, Vector512<float> cb0, Vector512<float> cb1, Vector512<float> cb2, in Activation activation,
        bool ragged = false, Vector512<float> lastMask = default)
    {
        // ragged: only the third panel's columns in lastMask are read and written (a constant false at whole tiles).
        if (accumulate)
        {
            v0 += Avx512F.LoadVector512(c);
            v1 += Avx512F.LoadVector512(c + 16);
            v2 += ragged ? Avx512F.MaskLoad(c + 32, lastMask, Vector512<float>.Zero) : Avx512F.LoadVector512(c + 32);
        }
        if (finish)
        {
            if (rowBias != null)
            {
                var rb = Vector512.Create(rowBias[row]);
                v0 += rb;
                v1 += rb;
                v2 += rb;
            }
            if (hasColumnBias)
            {
                v0 += cb0;
                v1 += cb1;
                v2 += cb2;
            }
            v0 = ActivationMath.ApplyInStore(v0, activation);
            v1 = ActivationMath.ApplyInStore(v1, activation);
            v2 = ActivationMath.ApplyInStore(v2, activation);
        }
        Avx512F.Store(c, v0);
        Avx512F.Store(c + 16, v1);
        if (ragged) Avx512F.MaskStore(c + 32, lastMask, v2);
        else Avx512F.Store(c + 32, v2);
    }
}
