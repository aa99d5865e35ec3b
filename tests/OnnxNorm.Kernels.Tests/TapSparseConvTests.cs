using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// Convolutions whose taps mostly read padding run as a sum of per-tap 1x1 products over each tap's live rectangle
/// (<see cref="TapSparseConv"/>). Checked against <see cref="ReferenceConv"/> (a plain loop in double), and for the
/// same bits at 1, 2 and 4 threads and with the AVX2 kernels.
/// </summary>
public class TapSparseConvTests
{
    // batch, group, C, M, input, kernel, strides, dilations, pads begin, pads end.
    public static TheoryData<int, int, int, int, int[], int[], int[], int[], int[], int[]> Shapes => new()
    {
        // DeepLabV3's ASPP branch: 3x3 dilated 12 on 14x14, off-centre taps live on 2 of 14 rows/columns.
        { 1, 1, 64, 40, [14, 14], [3, 3], [1, 1], [12, 12], [12, 12], [12, 12] },
        // Dilated 6 on 14x14: each off-centre tap on 8 of 14 rows/columns (share 0.51).
        { 1, 1, 48, 13, [14, 14], [3, 3], [1, 1], [6, 6], [6, 6], [6, 6] },
        // No tap covers the whole output (Y starts at zero), asymmetric pads, odd sizes.
        { 1, 1, 40, 17, [10, 11], [3, 3], [1, 1], [6, 7], [2, 3], [10, 9] },
        // Strided: the live rectangles step through the input by 2.
        { 1, 1, 36, 20, [17, 15], [3, 3], [2, 2], [8, 7], [8, 7], [8, 7] },
        // A batch of two and two groups: four products per tap, each its own planes and weights.
        { 2, 2, 80, 14, [13, 13], [3, 3], [1, 1], [10, 10], [10, 10], [10, 10] },
        // 1-D and 3-D.
        { 1, 1, 40, 9, [21], [5], [1], [9], [18], [18] },
        { 1, 1, 32, 8, [5, 7, 7], [3, 3, 3], [1, 1, 1], [4, 5, 5], [4, 5, 5], [4, 5, 5] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TapSparseConvolutionsMatchTheReferenceAndGiveTheSameBitsAtAnyThreadCountAndInstructionSet(
        int batch, int group, int c, int m, int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        var g = ConvKernelTests.Geometry(batch, c, m, group, input, kernel, strides, dilations, padsBegin, padsEnd);
        var rng = new Random(c * 7 + m + input.Sum());
        var x = TestTensors.Random(rng, g.Batch * g.InChannels * g.InputSize);
        var w = TestTensors.Random(rng, g.OutChannels * g.InChannelsPerGroup * g.KernelSize);
        int outLength = g.Batch * g.OutChannels * g.OutputSize;
        var activations = new[] { Activation.None, Activation.Relu, new Activation(FusedActivation.HardSwish), new Activation(FusedActivation.Sigmoid) };
        foreach (bool withBias in new[] { true, false })
        {
            var b = withBias ? TestTensors.Random(rng, g.OutChannels) : Array.Empty<float>();
            var plainFloat = new float[outLength];
            ReferenceConv.Run(g, x, w, b, plainFloat, Activation.None);
            var magnitude = new float[outLength];
            ReferenceConv.Run(g, TestTensors.Abs(x), TestTensors.Abs(w), TestTensors.Abs(b), magnitude, Activation.None);
            foreach (var act in activations)
            {
                var conv = new ConvKernel(g, w, b, act);
                Assert.True(conv.SkipsDeadTapProducts, "the convolution should take the tap-sparse path");
                string label = $"in=[{string.Join(',', input)}] d=[{string.Join(',', dilations)}] s=[{string.Join(',', strides)}] bias={withBias} act={act.Kind}";
                float[] At(KernelTarget target)
                {
                    var y = new float[outLength + 3];
                    Array.Fill(y, float.NaN);
                    conv.Run(x, y, target with { SplitAllWork = target.Threads > 1 });
                    Assert.All(y[outLength..], v => Assert.True(float.IsNaN(v), $"{label}: wrote past the output"));
                    return y[..outLength];
                }
                var one = At(KernelTarget.Best(1));
                TestTensors.AssertClose(plainFloat.Select(v => ActivationMath.Scalar(v, act)).ToArray(), one, magnitude, label);
                foreach (int threads in new[] { 2, 4 })
                    Assert.True(one.AsSpan().SequenceEqual(At(KernelTarget.Best(threads))), $"{label}: {threads} threads differ from one");
                Assert.True(one.AsSpan().SequenceEqual(At(new KernelTarget(KernelIsa.Avx2, 2))), $"{label}: the AVX2 kernels differ");
            }
        }
    }

    [Fact]
    public void OnlyConvolutionsWhoseTapsMostlyReadPaddingSkipThem()
    {
        var rng = new Random(5);
        ConvKernel Kernel(int c, int size, int dilation) =>
            new(ConvKernelTests.Geometry(1, c, 16, 1, [size, size], [3, 3], [1, 1], [dilation, dilation], [dilation, dilation], [dilation, dilation]),
                TestTensors.Random(rng, 16 * c * 9), default, Activation.None);
        Assert.True(Kernel(64, 14, 12).SkipsDeadTapProducts);
        Assert.False(Kernel(64, 14, 1).SkipsDeadTapProducts);   // 91 % of the dense products are live
        Assert.False(Kernel(64, 56, 2).SkipsDeadTapProducts);
        Assert.False(Kernel(8, 14, 12).SkipsDeadTapProducts);   // too few channels for a product per tap
    }

    [Fact]
    public void ATapSparseKernelGivesBackExactlyTheWeightsItPacked()
    {
        var g = ConvKernelTests.Geometry(1, 80, 14, 2, [14, 14], [3, 3], [1, 1], [12, 12], [12, 12], [12, 12]);
        var w = TestTensors.Random(new Random(8), g.OutChannels * g.InChannelsPerGroup * g.KernelSize);
        w[0] = -0f;
        w[^1] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        var kernel = new ConvKernel(g, w, default, Activation.None);
        Assert.True(kernel.SkipsDeadTapProducts);
        Assert.Equal(w.Select(BitConverter.SingleToInt32Bits), kernel.Weights().Select(BitConverter.SingleToInt32Bits));
    }
}
