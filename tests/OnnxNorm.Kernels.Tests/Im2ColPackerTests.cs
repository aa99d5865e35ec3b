using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// The row-wise im2col packer's stride-1 "same" path (a 3x3 with pad 1, any 1x1) and its stride-2 path (an AVX-512
/// masked form and a portable one), against the packed layout written out here: panel j / 16, row p, lane j % 16
/// of a block holds im2col[pc + p, jc + j], zero past the block's columns and where the kernel hangs over the padding.
/// </summary>
public class Im2ColPackerTests
{
    public static TheoryData<int, int, int, int, int, int, int> Geometries => new()
    {
        // channels, height, width, kernel, stride, dilation, pad
        { 3, 14, 14, 3, 1, 1, 1 },
        { 2, 7, 7, 3, 1, 1, 1 },
        { 2, 9, 11, 5, 1, 1, 2 },
        { 2, 12, 12, 3, 1, 2, 2 },
        { 5, 6, 20, 1, 1, 1, 0 },
        { 1, 1, 50, 3, 1, 1, 1 },
        { 2, 56, 56, 3, 2, 1, 1 },
        { 3, 23, 37, 7, 2, 1, 3 },
        { 2, 14, 14, 1, 2, 1, 0 },
        { 1, 9, 40, 3, 2, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public unsafe void EveryBlockHoldsItsIm2ColValuesOnBothPaths(int channels, int h, int w, int kernel, int stride, int dilation, int pad)
    {
        int oh = (h + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1, ow = (w + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
        var g = new ConvGeometry(1, channels, 4, 1, [h, w], [oh, ow], [kernel, kernel], [stride, stride], [dilation, dilation], [pad, pad], [pad, pad]);
        var packer = new Im2ColPacker(g);
        var x = TestTensors.Random(new Random(h * w + kernel), channels * h * w);
        int rows = channels * kernel * kernel, columns = oh * ow;
        // Blocks start on 16-column boundaries as the GEMM cuts them; depth blocks anywhere.
        foreach (var (pc, kc, jc, nc) in new[] { (0, rows, 0, columns), (1, rows - 1, 16, columns - 16), (rows / 2, rows - rows / 2, 32, Math.Min(37, columns - 32)) })
        {
            if (kc <= 0 || nc <= 0) continue;
            int size = PackedGemm.RoundUp(nc, 16) * kc;
            var expected = new float[size];
            for (int p = 0; p < kc; p++)
                for (int j = 0; j < nc; j++)
                {
                    int r = pc + p, n = jc + j, channel = r / (kernel * kernel), kh = r / kernel % kernel, kw = r % kernel;
                    int ih = n / ow * stride - pad + kh * dilation, iw = n % ow * stride - pad + kw * dilation;
                    expected[j / 16 * kc * 16 + p * 16 + j % 16] = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(channel * h + ih) * w + iw] : 0f;
                }
            foreach (var isa in new[] { KernelIsa.Avx512, KernelIsa.Avx2 }.Select(KernelSupport.Limit).Distinct())
            {
                var packed = Enumerable.Repeat(float.NaN, size).ToArray();
                fixed (float* xp = x)
                fixed (float* dst = packed)
                    packer.Pack(xp, pc, kc, jc, nc, dst, isa);
                Assert.True(expected.AsSpan().SequenceEqual(packed), $"{isa}, block pc={pc} kc={kc} jc={jc} nc={nc}: first difference at {expected.AsSpan().CommonPrefixLength(packed)}");
            }
        }
    }
}
