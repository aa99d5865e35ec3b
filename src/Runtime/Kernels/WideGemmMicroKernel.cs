using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// An AVX-512 variant of <see cref="GemmMicroKernel"/> for CPUs with full-width 512-bit FMA units (this
/// class of machine does twice the AVX2 FLOPs per cycle): a 6x32 tile computed from one packed A micro-panel
/// and two adjacent 16-column B micro-panels, one zmm accumulator per row and panel (12 chains, enough to
/// hide FMA latency), plus a 6x16 form for a single panel. It reads the same packed layouts as the AVX2
/// kernel, so packing code is shared.
/// </summary>
internal static unsafe class WideGemmMicroKernel
{
    public const int Columns = 2 * GemmMicroKernel.Columns;

    /// <summary>
    /// C[0..rows, 0..32] = (accumulate ? C : 0) + A·[B0 B1], then on <paramref name="finish"/> the row/column bias
    /// and activation (columnBias, when not null, holds 32 values). All 6 rows are computed (padding rows of A
    /// are zero) but only the first <paramref name="rows"/> are stored, so an M that is not a multiple of 6
    /// costs one partly wasted tile instead of a detour through the half-speed AVX2 kernel. Likewise only the
    /// first <paramref name="columns"/> (17..32) columns of C and of the column bias are touched, with masked
    /// loads and stores, so ragged edges (17..32 columns left) need no scratch tile. B rows are
    /// <paramref name="rowStride"/> floats apart: 16 when packed, N for a plain B read in place (whole tiles only).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b0, float* b1, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows = GemmMicroKernel.Rows, int columns = Columns, int rowStride = GemmMicroKernel.Columns)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            // A streams from L3 on its first use (late layers' weights exceed L2); fetching ~64 k-steps ahead
            // runs across into the next micro-panel, which is contiguous with this one.
            Sse.Prefetch0(a + 384);
            var x0 = Avx512F.LoadVector512(b0);
            var x1 = Avx512F.LoadVector512(b1);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, x0, c00); c01 = Avx512F.FusedMultiplyAdd(av, x1, c01);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, x0, c10); c11 = Avx512F.FusedMultiplyAdd(av, x1, c11);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, x0, c20); c21 = Avx512F.FusedMultiplyAdd(av, x1, c21);
            av = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, x0, c30); c31 = Avx512F.FusedMultiplyAdd(av, x1, c31);
            av = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(av, x0, c40); c41 = Avx512F.FusedMultiplyAdd(av, x1, c41);
            av = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(av, x0, c50); c51 = Avx512F.FusedMultiplyAdd(av, x1, c51);
            a += GemmMicroKernel.Rows;
            b0 += rowStride;
            b1 += rowStride;
        }
        if (columns < Columns)
        {
            StoreRagged(c, ldc, rows, columns, accumulate, finish, rowBias, columnBias, activation,
                c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
            return;
        }
        bool hasColumnBias = finish && columnBias != null;
        Vector512<float> cb0 = default, cb1 = default;
        if (hasColumnBias)
        {
            cb0 = Avx512F.LoadVector512(columnBias);
            cb1 = Avx512F.LoadVector512(columnBias + 16);
        }
        StoreRow(c, c00, c01, accumulate, finish, rowBias, 0, hasColumnBias, cb0, cb1, activation);
        if (rows <= 1) return;
        StoreRow(c += ldc, c10, c11, accumulate, finish, rowBias, 1, hasColumnBias, cb0, cb1, activation);
        if (rows <= 2) return;
        StoreRow(c += ldc, c20, c21, accumulate, finish, rowBias, 2, hasColumnBias, cb0, cb1, activation);
        if (rows <= 3) return;
        StoreRow(c += ldc, c30, c31, accumulate, finish, rowBias, 3, hasColumnBias, cb0, cb1, activation);
        if (rows <= 4) return;
        StoreRow(c += ldc, c40, c41, accumulate, finish, rowBias, 4, hasColumnBias, cb0, cb1, activation);
        if (rows <= 5) return;
        StoreRow(c += ldc, c50, c51, accumulate, finish, rowBias, 5, hasColumnBias, cb0, cb1, activation);
    }

    /// <summary>
    /// C[0..rows, 0..columns] for one 16-column panel (columns 1..16, masked) and two A micro-panels, <paramref name="a"/>
    /// and <paramref name="a2"/> (rows 0..5 and 6..11; pass a2 = a when rows ≤ 6). One FMA chain per output, as in
    /// <see cref="Run"/> (same bits for a column either way); the second panel makes it 12 chains, enough to hide
    /// the FMA latency. Used only where fewer than 17 columns are left in all. The sums go through
    /// <paramref name="scratch"/> (12·16 floats): a span of 12 accumulators made the JIT keep them in memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunSingle(int kc, float* a, float* a2, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns, float* scratch)
    {
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default;
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default;
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        for (int p = 0; p < kc; p++)
        {
            var x0 = Avx512F.LoadVector512(b);
            e0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), x0, e0);
            e1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), x0, e1);
            e2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), x0, e2);
            e3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), x0, e3);
            e4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), x0, e4);
            e5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), x0, e5);
            f0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[0]), x0, f0);
            f1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[1]), x0, f1);
            f2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[2]), x0, f2);
            f3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[3]), x0, f3);
            f4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[4]), x0, f4);
            f5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a2[5]), x0, f5);
            a += mr;
            a2 += mr;
            b += nr;
        }
        Avx512F.Store(scratch, e0); Avx512F.Store(scratch + 16, e1); Avx512F.Store(scratch + 32, e2);
        Avx512F.Store(scratch + 48, e3); Avx512F.Store(scratch + 64, e4); Avx512F.Store(scratch + 80, e5);
        Avx512F.Store(scratch + 96, f0); Avx512F.Store(scratch + 112, f1); Avx512F.Store(scratch + 128, f2);
        Avx512F.Store(scratch + 144, f3); Avx512F.Store(scratch + 160, f4); Avx512F.Store(scratch + 176, f5);
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns)).AsSingle();
        bool hasColumnBias = finish && columnBias != null;
        var cb = hasColumnBias ? Avx512F.MaskLoad(columnBias, mask, Vector512<float>.Zero) : Vector512<float>.Zero;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            var v = Avx512F.LoadVector512(scratch + 16 * r);
            if (accumulate) v += Avx512F.MaskLoad(c, mask, Vector512<float>.Zero);
            if (finish)
            {
                if (rowBias != null) v += Vector512.Create(rowBias[r]);
                if (hasColumnBias) v += cb;
                v = ActivationMath.ApplyInStore(v, activation);
            }
            Avx512F.MaskStore(c, mask, v);
        }
    }

    /// <summary>The epilogue for a tile narrower than 32 columns: the second half is masked.</summary>
    private static void StoreRagged(float* c, int ldc, int rows, int columns, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11,
        Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31,
        Vector512<float> c40, Vector512<float> c41, Vector512<float> c50, Vector512<float> c51)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns - 16)).AsSingle();
        bool hasColumnBias = finish && columnBias != null;
        Vector512<float> cb0 = default, cb1 = default;
        if (hasColumnBias)
        {
            cb0 = Avx512F.LoadVector512(columnBias);
            cb1 = Avx512F.MaskLoad(columnBias + 16, mask, Vector512<float>.Zero);
        }
        Span<Vector512<float>> acc = [c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51];
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Vector512<float> v0 = acc[2 * r], v1 = acc[2 * r + 1];
            if (accumulate)
            {
                v0 += Avx512F.LoadVector512(c);
                v1 += Avx512F.MaskLoad(c + 16, mask, Vector512<float>.Zero);
            }
            if (finish)
            {
                if (rowBias != null)
                {
                    var rb = Vector512.Create(rowBias[r]);
                    v0 += rb;
                    v1 += rb;
                }
                if (hasColumnBias)
                {
                    v0 += cb0;
                    v1 += cb1;
                }
                v0 = ActivationMath.ApplyInStore(v0, activation);
                v1 = ActivationMath.ApplyInStore(v1, activation);
            }
            Avx512F.Store(c, v0);
            Avx512F.MaskStore(c + 16, mask, v1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate, bool finish,
        float* rowBias, int row, bool hasColumnBias, Vector512<float> cb0, Vector512<float> cb1, in Activation activation)
    {
        if (accumulate)
        {
            v0 += Avx512F.LoadVector512(c);
            v1 += Avx512F.LoadVector512(c + 16);
        }
        if (finish)
        {
            if (rowBias != null)
            {
                var rb = Vector512.Create(rowBias[row]);
                v0 += rb;
                v1 += rb;
            }
            if (hasColumnBias)
            {
                v0 += cb0;
                v1 += cb1;
            }
            v0 = ActivationMath.ApplyInStore(v0, activation);
            v1 = ActivationMath.ApplyInStore(v1, activation);
        }
        Avx512F.Store(c, v0);
        Avx512F.Store(c + 16, v1);
    }
}
