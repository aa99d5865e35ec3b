using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The innermost GEMM step: a <see cref="Rows"/>x<see cref="Columns"/> tile of C from a packed A micro-panel
/// ([kc][Rows], row index fastest) and a packed B micro-panel ([kc][Columns], column index fastest).
/// 6x16 keeps 12 ymm accumulators + 2 B vectors + 1 broadcast in the 16 AVX2 registers, and 12 independent
/// FMA chains cover the FMA latency x throughput (4 cycles x 2 ports) of current x86 cores.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    public const int Rows = 6;
    public const int Columns = 16;

    /// <summary>
    /// C[0..6, 0..16] (leading dimension <paramref name="ldc"/>) = (accumulate ? C : 0) + A·B, then, when
    /// <paramref name="finish"/>, + rowBias[r] + columnBias[j] and the activation. The bias pointers may be
    /// null; when not null they must hold 6 (row) / 16 (column) readable values. <paramref name="fma"/> picks
    /// the AVX2/FMA kernel (the caller's instruction set, already limited to the CPU's), else the scalar one.
    /// </summary>
    public static void Run(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, bool fma)
    {
        if (fma) RunFma(kc, a, b, c, ldc, accumulate, finish, rowBias, columnBias, activation);
        else RunScalar(kc, a, b, c, ldc, accumulate, finish, rowBias, columnBias, activation, Columns);
    }

    /// <summary>
    /// The same for only the first 8 columns of the B panel (B still advances 16 per k). Used for the last
    /// micro-panel when at most 8 columns are left, which on 7x7 maps (49 = 3·16 + 1) cuts the wasted work
    /// of the ragged edge in half.
    /// </summary>
    public static void RunNarrow(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, bool fma)
    {
        if (fma) RunNarrowFma(kc, a, b, c, ldc, accumulate, finish, rowBias, columnBias, activation);
        else RunScalar(kc, a, b, c, ldc, accumulate, finish, rowBias, columnBias, activation, NarrowColumns);
    }

    public const int NarrowColumns = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunNarrowFma(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            c0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a), b0, c0);
            c1 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 1), b0, c1);
            c2 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 2), b0, c2);
            c3 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 3), b0, c3);
            c4 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 4), b0, c4);
            c5 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + 5), b0, c5);
            a += Rows;
            b += Columns;
        }
        var cb = finish && columnBias != null ? Avx.LoadVector256(columnBias) : Vector256<float>.Zero;
        StoreNarrowRow(c, c0, accumulate, finish, rowBias, 0, cb, activation); c += ldc;
        StoreNarrowRow(c, c1, accumulate, finish, rowBias, 1, cb, activation); c += ldc;
        StoreNarrowRow(c, c2, accumulate, finish, rowBias, 2, cb, activation); c += ldc;
        StoreNarrowRow(c, c3, accumulate, finish, rowBias, 3, cb, activation); c += ldc;
        StoreNarrowRow(c, c4, accumulate, finish, rowBias, 4, cb, activation); c += ldc;
        StoreNarrowRow(c, c5, accumulate, finish, rowBias, 5, cb, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreNarrowRow(float* c, Vector256<float> v, bool accumulate, bool finish,
        float* rowBias, int row, Vector256<float> columnBias, in Activation activation)
    {
        if (accumulate) v = Avx.Add(v, Avx.LoadVector256(c));
        if (finish)
        {
            if (rowBias != null) v = Avx.Add(v, Avx.BroadcastScalarToVector256(rowBias + row));
            v = ActivationMath.ApplyInStore(Avx.Add(v, columnBias), activation);
        }
        Avx.Store(c, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunFma(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int p = 0;
        // Unrolled by two so the loop overhead is spread over 24 FMAs.
        for (; p + 2 <= kc; p += 2)
        {
            // See WideGemmMicroKernel: A's first use streams from L3, and the next micro-panel is contiguous.
            Sse.Prefetch0(a + 384);
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);

            b0 = Avx.LoadVector256(b + 16);
            b1 = Avx.LoadVector256(b + 24);
            av = Avx.BroadcastScalarToVector256(a + 6);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 7);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 8);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 9);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 10);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 11);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 12;
            b += 32;
        }
        if (p < kc)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
        }

        if (!accumulate && !finish)
        {
            // The common middle-of-K case: plain stores, no epilogue branches per row.
            Avx.Store(c, c00); Avx.Store(c + 8, c01); c += ldc;
            Avx.Store(c, c10); Avx.Store(c + 8, c11); c += ldc;
            Avx.Store(c, c20); Avx.Store(c + 8, c21); c += ldc;
            Avx.Store(c, c30); Avx.Store(c + 8, c31); c += ldc;
            Avx.Store(c, c40); Avx.Store(c + 8, c41); c += ldc;
            Avx.Store(c, c50); Avx.Store(c + 8, c51);
            return;
        }
        Vector256<float> cb0 = default, cb1 = default;
        bool hasColumnBias = finish && columnBias != null;
        if (hasColumnBias)
        {
            cb0 = Avx.LoadVector256(columnBias);
            cb1 = Avx.LoadVector256(columnBias + 8);
        }
        StoreRow(c, c00, c01, accumulate, finish, rowBias, 0, hasColumnBias, cb0, cb1, activation); c += ldc;
        StoreRow(c, c10, c11, accumulate, finish, rowBias, 1, hasColumnBias, cb0, cb1, activation); c += ldc;
        StoreRow(c, c20, c21, accumulate, finish, rowBias, 2, hasColumnBias, cb0, cb1, activation); c += ldc;
        StoreRow(c, c30, c31, accumulate, finish, rowBias, 3, hasColumnBias, cb0, cb1, activation); c += ldc;
        StoreRow(c, c40, c41, accumulate, finish, rowBias, 4, hasColumnBias, cb0, cb1, activation); c += ldc;
        StoreRow(c, c50, c51, accumulate, finish, rowBias, 5, hasColumnBias, cb0, cb1, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate, bool finish,
        float* rowBias, int row, bool hasColumnBias, Vector256<float> cb0, Vector256<float> cb1, in Activation activation)
    {
        if (accumulate)
        {
            v0 = Avx.Add(v0, Avx.LoadVector256(c));
            v1 = Avx.Add(v1, Avx.LoadVector256(c + 8));
        }
        if (finish)
        {
            if (rowBias != null)
            {
                var rb = Avx.BroadcastScalarToVector256(rowBias + row);
                v0 = Avx.Add(v0, rb);
                v1 = Avx.Add(v1, rb);
            }
            if (hasColumnBias)
            {
                v0 = Avx.Add(v0, cb0);
                v1 = Avx.Add(v1, cb1);
            }
            v0 = ActivationMath.ApplyInStore(v0, activation);
            v1 = ActivationMath.ApplyInStore(v1, activation);
        }
        Avx.Store(c, v0);
        Avx.Store(c + 8, v1);
    }

    /// <summary>The same contract without SIMD, for machines lacking AVX2/FMA.</summary>
    private static void RunScalar(int kc, float* a, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int width)
    {
        float* acc = stackalloc float[Rows * Columns];
        new Span<float>(acc, Rows * Columns).Clear();
        for (int p = 0; p < kc; p++, a += Rows, b += Columns)
            for (int r = 0; r < Rows; r++)
            {
                float av = a[r];
                float* accRow = acc + r * Columns;
                for (int j = 0; j < Columns; j++) accRow[j] += av * b[j];
            }
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j < width; j++)
            {
                float v = acc[r * Columns + j];
                if (accumulate) v += c[r * ldc + j];
                if (finish)
                {
                    if (rowBias != null) v += rowBias[r];
                    if (columnBias != null) v += columnBias[j];
                    v = ActivationMath.Scalar(v, activation);
                }
                c[r * ldc + j] = v;
            }
    }
}
