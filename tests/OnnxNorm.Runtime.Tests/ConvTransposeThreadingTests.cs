using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.ThreadCountRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// ConvTranspose's scatter split by output channel on the worker pool (splitting forced with SplitAllWork): every
/// thread count gives the same bits, and the values match the operator's definition summed here in double, input
/// value by input value.
/// </summary>
public class ConvTransposeThreadingTests
{
    // PP-OCRv4 det's upsampling (2x2, stride 2: taps never overlap); an overlapping 3x3 stride-2 kernel with
    // dilation, pads and output_padding (taps overlap and fall off both edges); a 1-D and a 3-D case; two groups.
    [Theory]
    [InlineData(new long[] { 1, 5, 9, 11 }, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 1, 1 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 1)]
    [InlineData(new long[] { 2, 4, 7, 6 }, new long[] { 3, 3 }, new long[] { 2, 3 }, new long[] { 2, 1 }, new long[] { 1, 2, 2, 0 }, new long[] { 1, 2 }, 1)]
    [InlineData(new long[] { 1, 6, 13 }, new long[] { 4 }, new long[] { 3 }, new long[] { 1 }, new long[] { 2, 1 }, new long[] { 0 }, 2)]
    // Kernel = stride without pads (each output value has one tap: the interleaving path): wider than a vector with
    // a ragged end, 1-D stride 3, 3-D, grouped, and a 1x1 stride-1 kernel.
    [InlineData(new long[] { 1, 3, 4, 37 }, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 1, 1 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 1)]
    [InlineData(new long[] { 2, 4, 21 }, new long[] { 3 }, new long[] { 3 }, new long[] { 1 }, new long[] { 0, 0 }, new long[] { 0 }, 2)]
    [InlineData(new long[] { 1, 2, 3, 4, 20 }, new long[] { 2, 2, 2 }, new long[] { 2, 2, 2 }, new long[] { 1, 1, 1 }, new long[] { 0, 0, 0, 0, 0, 0 }, new long[] { 0, 0, 0 }, 1)]
    [InlineData(new long[] { 1, 4, 5, 33 }, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 1, 1 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 2)]
    [InlineData(new long[] { 1, 3, 5, 19 }, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 0, 0, 0, 0 }, new long[] { 0, 0 }, 1)]
    [InlineData(new long[] { 1, 3, 4, 5, 3 }, new long[] { 2, 3, 2 }, new long[] { 2, 1, 2 }, new long[] { 1, 1, 1 }, new long[] { 0, 1, 0, 0, 1, 1 }, new long[] { 0, 0, 1 }, 1)]
    public void ConvTranspose_is_bit_identical_at_one_two_and_four_threads_and_matches_the_definition(
        long[] xShape, long[] kernel, long[] strides, long[] dilations, long[] pads, long[] outputPadding, int group)
    {
        int r = kernel.Length;
        const int coutG = 6;
        int c = (int)xShape[1], cout = coutG * group, cinG = c / group, n = (int)xShape[0];
        long[] wShape = new long[] { c, coutG }.Concat(kernel).ToArray();
        var x = Normals((int)xShape.Aggregate(1L, (p, d) => p * d), 11);
        var w = Normals((int)wShape.Aggregate(1L, (p, d) => p * d), 12);
        var bias = Normals(cout, 13);
        int[] input = xShape.Skip(2).Select(v => (int)v).ToArray();
        int[] output = Enumerable.Range(0, r).Select(d =>
            (int)(strides[d] * (input[d] - 1) + outputPadding[d] + (kernel[d] - 1) * dilations[d] + 1 - pads[d] - pads[d + r])).ToArray();

        var builder = new ModelBuilder(opset: 17);
        builder.Input("x", ElementType.Float, xShape.Cast<object>().ToArray());
        builder.Input("w", ElementType.Float, wShape.Cast<object>().ToArray());
        builder.Input("b", ElementType.Float, (object)(long)cout);
        builder.Node("ConvTranspose", new[] { "x", "w", "b" }, new[] { "y" }, "up",
            ("kernel_shape", kernel), ("strides", strides), ("dilations", dilations), ("pads", pads),
            ("output_padding", outputPadding), ("group", (long)group));
        builder.OutputUnknownShape("y", ElementType.Float);
        var feed = new Dictionary<string, TensorValue>
        {
            ["x"] = TensorValue.FromFloats(xShape, x), ["w"] = TensorValue.FromFloats(wShape, w),
            ["b"] = TensorValue.FromFloats(new long[] { cout }, bias),
        };
        byte[] model = builder.ToBytes();

        var one = Run(model, feed, 1);
        int inSize = input.Aggregate(1, (p, q) => p * q), outSize = output.Aggregate(1, (p, q) => p * q);
        int kSize = (int)kernel.Aggregate(1L, (p, q) => p * q);
        Assert.Equal(n * cout * outSize, one.Length);
        // The definition: every input value times every tap lands at position·stride − pad + tap·dilation.
        var sum = new double[one.Length];
        var magnitude = new double[one.Length];
        for (int img = 0; img < n; img++)
        for (int oc = 0; oc < cout; oc++)
            for (int o = 0; o < outSize; o++) sum[(img * cout + oc) * outSize + o] = bias[oc];
        var at = new int[r];
        var tap = new int[r];
        for (int img = 0; img < n; img++)
        for (int ic = 0; ic < c; ic++)
        for (int i = 0; i < inSize; i++)
        for (int k = 0; k < kSize; k++)
        {
            Unravel(i, input, at);
            Unravel(k, kernel.Select(v => (int)v).ToArray(), tap);
            int off = 0;
            bool inside = true;
            for (int d = 0; d < r && inside; d++)
            {
                long pos = at[d] * strides[d] - pads[d] + tap[d] * dilations[d];
                inside = pos >= 0 && pos < output[d];
                off = off * output[d] + (int)pos;
            }
            if (!inside) continue;
            int g = ic / cinG;
            for (int ocg = 0; ocg < coutG; ocg++)
            {
                double term = (double)x[(img * c + ic) * inSize + i] * w[(ic * coutG + ocg) * kSize + k];
                int yAt = (img * cout + g * coutG + ocg) * outSize + off;
                sum[yAt] += term;
                magnitude[yAt] += Math.Abs(term);
            }
        }
        for (int i = 0; i < one.Length; i++)
            Assert.True(Math.Abs(one[i] - sum[i]) <= 1e-6 * (magnitude[i] + 1), $"y[{i}] = {one[i]}, definition {sum[i]}");
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(model, feed, threads));
    }

    // Without a bias a value is 0 + its one tap, as the scatter sums it from zeroed memory: a −0 product gives +0.
    [Fact]
    public void A_non_overlapping_ConvTranspose_without_bias_turns_negative_zero_taps_into_positive_zero()
    {
        var builder = new ModelBuilder(opset: 17);
        builder.Input("x", ElementType.Float, 1L, 2L, 3L, 20L);
        builder.Input("w", ElementType.Float, 2L, 3L, 2L, 2L);
        builder.Node("ConvTranspose", new[] { "x", "w" }, new[] { "y" }, "up", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        builder.OutputUnknownShape("y", ElementType.Float);
        var feed = new Dictionary<string, TensorValue>
        {
            ["x"] = TensorValue.FromFloats(new long[] { 1, 2, 3, 20 }, new float[120]),
            ["w"] = TensorValue.FromFloats(new long[] { 2, 3, 2, 2 }, Enumerable.Repeat(-1f, 24).ToArray()),
        };
        var y = Run(builder.ToBytes(), feed, 1);
        Assert.Equal(3 * 6 * 40, y.Length);
        Assert.All(y, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
    }

    private static void Unravel(int index, int[] dims, int[] result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }
}
