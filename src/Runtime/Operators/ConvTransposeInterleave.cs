using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// ConvTranspose's col2im when every kernel size equals its stride, without padding or dilation (the 2x2 stride-2
/// upsampling of PaddleOCR's DB head and of U-Nets): each output value then receives exactly one tap, so the GEMM's
/// columns are interleaved into the output and written once, bias added, where <see cref="ConvTransposeScatter"/>
/// zeroes the output, fills the bias and adds tap after tap at a stride. The value is bias + tap, the same sum the
/// scatter makes (0 + tap without a bias, so a −0 tap gives +0 there as here). Items are (output channel, input
/// row) pairs, so a single output channel still splits across threads.
/// </summary>
internal readonly struct ConvTransposeInterleave(
    float[] columns, float[] y, int yFirst, float[]? bias, int biasFirst, int[] input, int[] kernel) : IRangeWork
{
    /// <summary>Whether each output value of this geometry receives exactly one tap.</summary>
    public static bool Applies(int[] input, int[] output, int[] kernel, int[] strides, int[] dilations, int[] padsBegin)
    {
        for (int d = 0; d < input.Length; d++)
            if (kernel[d] != strides[d] || kernel[d] > 1 && dilations[d] != 1 || padsBegin[d] != 0 || output[d] != (long)input[d] * kernel[d])
                return false;
        return true;
    }

    /// <summary>Items: output channels × input rows (all axes but the last).</summary>
    public static int Items(int channels, int[] input) => channels * (Product(input) / input[^1]);

    /// <summary>Values written per item.</summary>
    public static long ValuesPerItem(int[] input, int[] kernel) => (long)input[^1] * Product(kernel);

    public void Run(int first, int count)
    {
        int r = input.Length;
        int inLast = input[r - 1], kLast = kernel[r - 1], outLast = inLast * kLast;
        int inSize = Product(input), kSize = Product(kernel), outSize = inSize * kSize;
        int rows = inSize / inLast, kOuter = kSize / kLast;
        Span<int> rowIdx = stackalloc int[Math.Max(r - 1, 1)];
        Span<int> kIdx = stackalloc int[Math.Max(r - 1, 1)];
        for (int item = first; item < first + count; item++)
        {
            int oc = item / rows, row = item % rows;
            float b = bias is null ? 0f : bias[biasFirst + oc];
            Unravel(row, input.AsSpan(0, r - 1), rowIdx);
            for (int ko = 0; ko < kOuter; ko++)
            {
                Unravel(ko, kernel.AsSpan(0, r - 1), kIdx);
                int outRow = 0;
                for (int d = 0; d < r - 1; d++) outRow = outRow * input[d] * kernel[d] + rowIdx[d] * kernel[d] + kIdx[d];
                var dst = y.AsSpan(yFirst + oc * outSize + outRow * outLast, outLast);
                int src = (oc * kSize + ko * kLast) * inSize + row * inLast;
                Interleave(columns, src, inSize, kLast, inLast, b, dst);
            }
        }
    }

    // dst[j·taps + t] = b + columns[src + t·tapStride + j].
    private static void Interleave(float[] columns, int src, int tapStride, int taps, int n, float b, Span<float> dst)
    {
        ref float c = ref columns[0];
        ref float o = ref dst[0];
        int j = 0;
        if (taps == 2 && Avx512F.IsSupported)
        {
            // Lanes 0..15 of the pair (a, c) picked as a0 c0 a1 c1 ... a7 c7, then a8 c8 ... a15 c15.
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
            var vb = Vector512.Create(b);
            for (; j + 16 <= n; j += 16)
            {
                var a0 = Vector512.LoadUnsafe(ref c, (nuint)(src + j)) + vb;
                var a1 = Vector512.LoadUnsafe(ref c, (nuint)(src + tapStride + j)) + vb;
                Avx512F.PermuteVar16x32x2(a0, low, a1).StoreUnsafe(ref o, (nuint)(2 * j));
                Avx512F.PermuteVar16x32x2(a0, high, a1).StoreUnsafe(ref o, (nuint)(2 * j + 16));
            }
        }
        else if (taps == 1)
        {
            var vb = Vector256.Create(b);
            for (; j + 8 <= n; j += 8)
                (Vector256.LoadUnsafe(ref c, (nuint)(src + j)) + vb).StoreUnsafe(ref o, (nuint)j);
        }
        for (; j < n; j++)
            for (int t = 0; t < taps; t++)
                Unsafe.Add(ref o, j * taps + t) = b + Unsafe.Add(ref c, src + t * tapStride + j);
    }

    private static int Product(int[] dims)
    {
        int p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }

    private static void Unravel(int index, ReadOnlySpan<int> dims, Span<int> result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }
}
