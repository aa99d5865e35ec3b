using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The last 1..<see cref="MaxColumns"/> columns of a block, e.g. the 49th output of a 7x7 map (49 = 48 + 1) or the
/// last 4 of a 14x14 one (196 = 4·48 + 4). A 16-wide tile would spend 16 lanes per k on each of them; here a column is
/// one 8-lane FMA per k and A micro-panel (its 6 values loaded as 8, times the broadcast B value), for up to
/// <see cref="Panels"/> panels (48 rows) at once: 8 independent FMA chains and 9 loads per 8 FMAs.
/// Each output is one FMA chain over k from zero, then the same epilogue in the same order, as in the 6x32 and 6x48
/// tiles, so a column gets the same bits whichever kernel computes it (the tiling may then follow the thread split).
/// Reads 2 floats past each A micro-panel row, so packed A buffers carry <see cref="PackedMatrixA.ReadSlack"/>.
/// </summary>
internal static unsafe class GemmColumnKernel
{
    public const int MaxColumns = 4;

    /// <summary>A micro-panels (6 rows each) computed per call.</summary>
    public const int Panels = 8;

    /// <summary>Columns computed together by <see cref="RunFour"/> (on 4 panels).</summary>
    public const int GroupColumns = 4;

    /// <summary>The scratch a call needs: the sums of each panel and column (8 floats each) and one row of finished values.</summary>
    public const int ScratchFloats = (4 * GroupColumns + 1) * 8;

    /// <summary>
    /// C[0..rows, 0..columns] for rows from <paramref name="panels"/> consecutive A micro-panels (<paramref name="a"/>,
    /// 6·kc floats apart) and B columns from one packed 16-wide panel (<paramref name="b"/>, [kc][16]).
    /// <paramref name="scratch"/> holds <see cref="ScratchFloats"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, int panels, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns, float* scratch)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        float* a0 = a, a1 = Panel(a, 1, panels, kc), a2 = Panel(a, 2, panels, kc), a3 = Panel(a, 3, panels, kc);
        float* a4 = Panel(a, 4, panels, kc), a5 = Panel(a, 5, panels, kc), a6 = Panel(a, 6, panels, kc), a7 = Panel(a, 7, panels, kc);
        for (int j = 0; j < columns; j++)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = b + j;
            for (int p = 0, o = 0; p < kc; p++, o += mr, bp += nr)
            {
                var bv = Avx.BroadcastScalarToVector256(bp);
                s0 = Fma.MultiplyAdd(Avx.LoadVector256(a0 + o), bv, s0);
                s1 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + o), bv, s1);
                s2 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + o), bv, s2);
                s3 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + o), bv, s3);
                s4 = Fma.MultiplyAdd(Avx.LoadVector256(a4 + o), bv, s4);
                s5 = Fma.MultiplyAdd(Avx.LoadVector256(a5 + o), bv, s5);
                s6 = Fma.MultiplyAdd(Avx.LoadVector256(a6 + o), bv, s6);
                s7 = Fma.MultiplyAdd(Avx.LoadVector256(a7 + o), bv, s7);
            }
            Avx.Store(scratch, s0); Avx.Store(scratch + 8, s1); Avx.Store(scratch + 16, s2); Avx.Store(scratch + 24, s3);
            Avx.Store(scratch + 32, s4); Avx.Store(scratch + 40, s5); Avx.Store(scratch + 48, s6); Avx.Store(scratch + 56, s7);
            Store(scratch, scratch + Panels * 8, c + j, ldc, rows, accumulate, finish, rowBias, columnBias == null ? null : columnBias + j, activation);
        }
    }

    /// <summary>
    /// The same for <see cref="GroupColumns"/> columns (<paramref name="columns"/> of them stored) of up to 4 panels
    /// (24 rows): 16 FMA chains, and each A load serves four FMAs, where <see cref="Run"/> loads A once per FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunFour(int kc, float* a, int panels, float* b, float* c, int ldc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation, int rows, int columns, float* scratch)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        float* a0 = a, a1 = Panel(a, 1, panels, kc), a2 = Panel(a, 2, panels, kc), a3 = Panel(a, 3, panels, kc);
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector256<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        for (int p = 0, o = 0; p < kc; p++, o += mr, b += nr)
        {
            var x0 = Avx.LoadVector256(a0 + o);
            var x1 = Avx.LoadVector256(a1 + o);
            var x2 = Avx.LoadVector256(a2 + o);
            var x3 = Avx.LoadVector256(a3 + o);
            var bv = Avx.BroadcastScalarToVector256(b);
            s00 = Fma.MultiplyAdd(x0, bv, s00); s10 = Fma.MultiplyAdd(x1, bv, s10); s20 = Fma.MultiplyAdd(x2, bv, s20); s30 = Fma.MultiplyAdd(x3, bv, s30);
            bv = Avx.BroadcastScalarToVector256(b + 1);
            s01 = Fma.MultiplyAdd(x0, bv, s01); s11 = Fma.MultiplyAdd(x1, bv, s11); s21 = Fma.MultiplyAdd(x2, bv, s21); s31 = Fma.MultiplyAdd(x3, bv, s31);
            bv = Avx.BroadcastScalarToVector256(b + 2);
            s02 = Fma.MultiplyAdd(x0, bv, s02); s12 = Fma.MultiplyAdd(x1, bv, s12); s22 = Fma.MultiplyAdd(x2, bv, s22); s32 = Fma.MultiplyAdd(x3, bv, s32);
            bv = Avx.BroadcastScalarToVector256(b + 3);
            s03 = Fma.MultiplyAdd(x0, bv, s03); s13 = Fma.MultiplyAdd(x1, bv, s13); s23 = Fma.MultiplyAdd(x2, bv, s23); s33 = Fma.MultiplyAdd(x3, bv, s33);
        }
        // Column j's sums at scratch + 32j, panel after panel, as Store reads them.
        Avx.Store(scratch, s00); Avx.Store(scratch + 8, s10); Avx.Store(scratch + 16, s20); Avx.Store(scratch + 24, s30);
        Avx.Store(scratch + 32, s01); Avx.Store(scratch + 40, s11); Avx.Store(scratch + 48, s21); Avx.Store(scratch + 56, s31);
        Avx.Store(scratch + 64, s02); Avx.Store(scratch + 72, s12); Avx.Store(scratch + 80, s22); Avx.Store(scratch + 88, s32);
        Avx.Store(scratch + 96, s03); Avx.Store(scratch + 104, s13); Avx.Store(scratch + 112, s23); Avx.Store(scratch + 120, s33);
        for (int j = 0; j < columns; j++)
            Store(scratch + 32 * j, scratch + 128, c + j, ldc, rows, accumulate, finish, rowBias, columnBias == null ? null : columnBias + j, activation);
    }

    /// <summary>
    /// A micro-panel <paramref name="i"/> of the call (6·kc floats apart); those past the last real one re-read it
    /// (their results are dropped), so one loop body serves any panel count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Panel(float* a, int i, int panels, int kc) => a + (long)Math.Min(i, panels - 1) * GemmMicroKernel.Rows * kc;

    /// <summary>
    /// One column's epilogue: sum (+ C) (+ row bias) (+ column bias), in the tiles' order, then the activation eight
    /// rows at a time by its vector form (the tiles' too).
    /// </summary>
    private static void Store(float* sums, float* values, float* c, int ldc, int rows, bool accumulate, bool finish,
        float* rowBias, float* columnBias, in Activation activation)
    {
        const int mr = GemmMicroKernel.Rows;
        for (int panel = 0, row = 0; row < rows; panel++)
        {
            int height = Math.Min(mr, rows - row);
            for (int r = 0; r < height; r++)
            {
                float v = sums[panel * 8 + r];
                if (accumulate) v += c[(long)(row + r) * ldc];
                if (finish)
                {
                    if (rowBias != null) v += rowBias[row + r];
                    if (columnBias != null) v += *columnBias;
                }
                values[r] = v;
            }
            if (finish) Avx.Store(values, ActivationMath.ApplyInStore(Avx.LoadVector256(values), activation));
            for (int r = 0; r < height; r++) c[(long)(row + r) * ldc] = values[r];
            row += height;
        }
    }
}
