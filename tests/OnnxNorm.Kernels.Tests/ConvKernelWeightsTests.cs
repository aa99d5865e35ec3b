using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// A Conv keeps only its kernel's packed weights; for another input shape it reads them back
/// (<see cref="ConvKernel.Weights"/>) and packs again. The read-back must be exactly the weights given, in every
/// layout: GEMM panels (rows past a panel of 6, depth past one block), groups, depthwise blocks of 8 channels.
/// </summary>
public class ConvKernelWeightsTests
{
    public static TheoryData<int, int, int, int[]> Cases => new()
    {
        { 3, 16, 1, new[] { 3, 3 } },       // a stem conv: 16 rows (2 full panels and 4)
        { 64, 7, 1, new[] { 1, 1 } },       // 7 rows: one padded panel
        { 256, 300, 1, new[] { 3, 3 } },    // K = 2304: more than one depth block
        { 32, 48, 4, new[] { 3, 3 } },      // groups
        { 20, 20, 20, new[] { 5, 5 } },     // depthwise, 20 channels: 2 blocks of 8 and 4 lanes
        { 12, 12, 12, new[] { 7 } },        // depthwise 1-D
        { 4, 6, 2, new[] { 3, 1, 2 } },     // 3-D, grouped
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_kernel_gives_back_exactly_the_weights_it_packed(int inChannels, int outChannels, int group, int[] kernel)
    {
        int r = kernel.Length;
        var input = Enumerable.Repeat(9, r).ToArray();
        var output = input.Select((v, d) => v - kernel[d] + 1).ToArray();
        var ones = Enumerable.Repeat(1, r).ToArray();
        var zeros = new int[r];
        var g = new ConvGeometry(1, inChannels, outChannels, group, input, output, kernel, ones, ones, zeros, zeros);
        var rng = new Random(inChannels * 1000 + outChannels);
        var w = TestTensors.Random(rng, outChannels * (inChannels / group) * g.KernelSize);
        // Values that a sloppy copy would change: signed zeros, a NaN payload, subnormals.
        w[0] = -0f;
        w[^1] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        w[w.Length / 2] = float.Epsilon;
        var bias = TestTensors.Random(rng, outChannels);
        var k = new ConvKernel(g, w, bias, Activation.None);
        var back = k.Weights();
        Assert.Equal(w.Length, back.Length);
        for (int i = 0; i < w.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(back[i]), $"weight {i}: {w[i]} came back as {back[i]}");
        Assert.Equal(bias, k.Bias.ToArray());
    }

    [Fact]
    public void A_kernel_whose_dead_taps_were_trimmed_gives_back_all_the_weights()
    {
        // DeepLab's ASPP: a 3x3 convolution dilated by 4 on a 3x3 map, padded by 4: only the centre tap reads input.
        var g = new ConvGeometry(1, 8, 8, 1, new[] { 3, 3 }, new[] { 3, 3 }, new[] { 3, 3 }, new[] { 1, 1 }, new[] { 4, 4 }, new[] { 4, 4 }, new[] { 4, 4 });
        var w = TestTensors.Random(new Random(5), 8 * 8 * 9);
        var back = new ConvKernel(g, w, ReadOnlySpan<float>.Empty, Activation.None).Weights();
        Assert.Equal(w, back);
    }
}
