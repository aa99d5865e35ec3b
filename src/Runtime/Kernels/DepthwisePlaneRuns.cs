using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The inner loop of <see cref="DepthwisePlaneConv"/> (AVX-512): a band of one channel's outputs on the padded grid,
/// eight vectors at a time (eight independent multiply-add chains). Tap (kh, kw) of the vector at grid position i is
/// the 16 floats at i + rowOffsets[kh] + kw: each kernel row's nine aligned vectors are loaded once per group and
/// shifted by kw with a two-source permute, where unaligned loads (one per tap) split cache lines and ran slower.
/// Every output sums bias, then the taps in order, with fused multiply-adds.
/// </summary>
internal static unsafe class DepthwisePlaneRuns
{
    private const int Lanes = 16;

    /// <summary>
    /// Output rows [0, rows) of <paramref name="width"/> floats at <paramref name="output"/>, read from the grid at
    /// <paramref name="input"/> (rows of <paramref name="grid"/> floats, a multiple of 16, 64-byte aligned).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* input, int rows, int grid, int width, float* output, float bias, float* weights, int* rowOffsets,
        int kernelRows, int kernelWidth, Activation act)
    {
        var b = Vector512.Create(bias);
        int count = (rows - 1) * grid + width;
        for (int i = 0; i < count; i += 8 * Lanes)
        {
            Vector512<float> a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
            for (int kh = 0; kh < kernelRows; kh++)
            {
                float* p = input + i + rowOffsets[kh];
                var l0 = Vector512.LoadAligned(p);
                var l1 = Vector512.LoadAligned(p + 16);
                var l2 = Vector512.LoadAligned(p + 32);
                var l3 = Vector512.LoadAligned(p + 48);
                var l4 = Vector512.LoadAligned(p + 64);
                var l5 = Vector512.LoadAligned(p + 80);
                var l6 = Vector512.LoadAligned(p + 96);
                var l7 = Vector512.LoadAligned(p + 112);
                var l8 = Vector512.LoadAligned(p + 128);
                float* w = weights + kh * kernelWidth;
                var wt = Vector512.Create(w[0]);
                a0 = Vector512.FusedMultiplyAdd(l0, wt, a0);
                a1 = Vector512.FusedMultiplyAdd(l1, wt, a1);
                a2 = Vector512.FusedMultiplyAdd(l2, wt, a2);
                a3 = Vector512.FusedMultiplyAdd(l3, wt, a3);
                a4 = Vector512.FusedMultiplyAdd(l4, wt, a4);
                a5 = Vector512.FusedMultiplyAdd(l5, wt, a5);
                a6 = Vector512.FusedMultiplyAdd(l6, wt, a6);
                a7 = Vector512.FusedMultiplyAdd(l7, wt, a7);
                for (int k = 1; k < kernelWidth; k++)
                {
                    wt = Vector512.Create(w[k]);
                    var shift = Vector512<int>.Indices + Vector512.Create(k);
                    a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l0, shift, l1), wt, a0);
                    a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l1, shift, l2), wt, a1);
                    a2 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l2, shift, l3), wt, a2);
                    a3 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l3, shift, l4), wt, a3);
                    a4 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l4, shift, l5), wt, a4);
                    a5 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l5, shift, l6), wt, a5);
                    a6 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l6, shift, l7), wt, a6);
                    a7 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32x2(l7, shift, l8), wt, a7);
                }
            }
            // A vector never crosses a grid row (the grid is whole vectors): it is stored straight into its output row.
            int row = i / grid, column = i - row * grid;
            Put(a0, act, output, ref row, ref column, rows, grid, width);
            Put(a1, act, output, ref row, ref column, rows, grid, width);
            Put(a2, act, output, ref row, ref column, rows, grid, width);
            Put(a3, act, output, ref row, ref column, rows, grid, width);
            Put(a4, act, output, ref row, ref column, rows, grid, width);
            Put(a5, act, output, ref row, ref column, rows, grid, width);
            Put(a6, act, output, ref row, ref column, rows, grid, width);
            Put(a7, act, output, ref row, ref column, rows, grid, width);
        }
    }

    /// <summary>
    /// Stores the vector at grid (row, column) into the output rows: its lanes inside the row, nothing on the grid's
    /// extra columns or past the last row (another task's); advances to the next vector. Inlined: a call would make
    /// the JIT spill the accumulators around it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<float> v, in Activation act, float* output, ref int row, ref int column, int rows, int grid, int width)
    {
        if (row < rows && column < width)
        {
            float* y = output + (long)row * width + column;
            var stored = ActivationMath.ApplyInStore(v, act);
            if (column + Lanes <= width) Vector512.Store(stored, y);
            else Avx512F.MaskStore(y, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - column)).AsSingle(), stored);
        }
        column += Lanes;
        if (column == grid)
        {
            column = 0;
            row++;
        }
    }
}
