using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// The GEMM packers against their documented layouts, value by value (the vector paths transpose and copy in
/// blocks of 16; these shapes put rows, columns and depth on both sides of every block edge).
/// </summary>
public unsafe class PackerLayoutTests
{
    [Theory]
    [InlineData(6, 16, 1f)]
    [InlineData(13, 47, 1f)]
    [InlineData(25, 384, 1f)]
    [InlineData(7, 600, 0.5f)]
    [InlineData(12, 33, -1.25f)]
    public void PackedMatrixAPutsEveryScaledValueWhereItsLayoutSays(int m, int k, float alpha)
    {
        int rowStride = k + 3; // padded rows: the packer must follow the stride, not assume k
        var source = new float[m * rowStride];
        var rng = new Random(m * 1000 + k);
        for (int i = 0; i < source.Length; i++) source[i] = (float)(rng.NextDouble() * 2 - 1);
        int mPadded = PackedMatrixA.PaddedRows(m);
        var packed = new float[PackedMatrixA.Size(m, k) + PackedMatrixA.ReadSlack];
        Array.Fill(packed, float.NaN);
        fixed (float* s = source)
        fixed (float* d = packed)
            PackedMatrixA.Pack(s, rowStride, 1, m, k, alpha, d);

        int step = PackedGemm.DepthStep(k);
        for (int pc = 0; pc < k; pc += step)
        {
            int kc = Math.Min(step, k - pc);
            for (int i = 0; i < mPadded; i++)
                for (int p = pc; p < pc + kc; p++)
                {
                    long at = (long)pc * mPadded + i / 6 * 6 * kc + (p - pc) * 6 + i % 6;
                    float expected = i < m ? alpha * source[i * rowStride + p] : 0f;
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(packed[at]),
                        $"m {m} k {k}: A[{i}, {p}] packed as {packed[at]}, expected {expected}");
                }
        }
    }

    [Theory]
    [InlineData(16, 5, 0, 16)]
    [InlineData(40, 7, 3, 37)]
    [InlineData(300, 19, 4, 256)]
    [InlineData(96, 3, 0, 96)]
    public void MatrixPanelPackerPutsEveryValueWhereItsLayoutSays(int ldb, int kc, int jc, int nc)
    {
        int pc = 2, rows = pc + kc;
        var b = new float[rows * ldb];
        var rng = new Random(ldb * 100 + kc);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
        int panels = (nc + 15) / 16;
        var packed = new float[panels * 16 * kc];
        Array.Fill(packed, float.NaN);
        fixed (float* s = b)
        fixed (float* d = packed)
            MatrixPanelPacker.Pack(s, ldb, false, pc, kc, jc, nc, d);

        for (int j = 0; j < panels * 16; j++)
            for (int p = 0; p < kc; p++)
            {
                float expected = j < nc ? b[(pc + p) * ldb + jc + j] : 0f;
                float actual = packed[j / 16 * 16 * kc + p * 16 + j % 16];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                    $"ldb {ldb}: B[{pc + p}, {jc + j}] packed as {actual}, expected {expected}");
            }
    }
}
