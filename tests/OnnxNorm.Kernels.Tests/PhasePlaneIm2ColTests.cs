using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// The phase-plane im2col packer against im2col written out here with index math, for 1-D, 2-D and 3-D convolutions
/// with strides, dilations, asymmetric pads and ragged last panels: panel j / 16, row p, lane j % 16 of a block holds
/// im2col[pc + p, jc + j] of the batch item's channels, zero past the block's columns and where a tap reads padding.
/// </summary>
public class PhasePlaneIm2ColTests
{
    public static TheoryData<int[], int[], int[], int[], int[], int[]> Geometries => new()
    {
        // input, kernel, strides, dilations, pads begin, pads end
        { [14, 14], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },        // "same" 3x3: read in place
        { [7, 7], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1] },          // 49 columns: one lane in the last panel
        { [6, 20], [1, 1], [1, 1], [1, 1], [0, 0], [0, 0] },         // 1x1: in place
        { [12, 12], [3, 3], [1, 1], [2, 2], [2, 2], [2, 2] },        // dilation 2
        { [56, 56], [3, 3], [2, 2], [1, 1], [1, 1], [1, 1] },        // ResNet's 3x3/2: four phases
        { [30, 30], [7, 7], [2, 2], [1, 1], [3, 3], [3, 3] },        // the 7x7/2 stem's shape, smaller
        { [23, 37], [7, 7], [2, 2], [1, 1], [3, 3], [3, 3] },        // odd sizes: phases of unequal lengths
        { [14, 16], [3, 3], [2, 2], [1, 1], [0, 0], [1, 1] },        // TF-style asymmetric "same" pads
        { [9, 40], [3, 3], [2, 2], [2, 2], [2, 2], [2, 2] },         // stride 2, dilation 2
        { [17, 17], [5, 5], [3, 3], [1, 1], [2, 2], [2, 2] },        // stride 3: nine phases
        { [9, 11], [3, 3], [1, 2], [1, 1], [1, 1], [1, 1] },         // horizontal stride only
        { [10, 13], [5, 3], [2, 1], [1, 1], [2, 1], [2, 1] },        // vertical stride only
        { [50], [3], [1], [1], [1], [1] },                           // 1-D same
        { [41], [7], [1], [2], [0], [6] },                           // 1-D, dilated, padded at the end only
        { [23], [5], [2], [1], [2], [2] },                           // 1-D, stride 2
        { [4, 8, 8], [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1] },  // r3d_18's 3x3x3: read in place
        { [5, 9, 9], [3, 3, 3], [2, 2, 2], [1, 1, 1], [1, 1, 1], [1, 1, 1] },  // its 3x3x3/2: eight phases
        { [4, 14, 14], [3, 7, 7], [1, 2, 2], [1, 1, 1], [1, 3, 3], [1, 3, 3] }, // its stem
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public unsafe void EveryBlockHoldsItsIm2ColValuesWhetherOneOrTwoThreadsSplitTheInput(int[] input, int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd)
    {
        const int batch = 2, channels = 3;
        int rank = input.Length;
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
            output[d] = (input[d] + padsBegin[d] + padsEnd[d] - dilations[d] * (kernel[d] - 1) - 1) / strides[d] + 1;
        var g = new ConvGeometry(batch, channels, 4, 1, input, output, kernel, strides, dilations, padsBegin, padsEnd);
        var packer = PhasePlaneIm2Col.TryCreate(g);
        Assert.NotNull(packer);
        var x = TestTensors.Random(new Random(g.InputSize + g.KernelSize), batch * channels * g.InputSize);
        var before = (float[])x.Clone();
        int rows = channels * g.KernelSize, columns = g.OutputSize;
        foreach (int threads in new[] { 1, 2 })
        fixed (float* xp = x)
        {
            float* planes = packer.Prepare(xp, KernelTarget.Best(threads) with { SplitAllWork = threads > 1 });
            // Blocks start on 16-column boundaries as the GEMM cuts them; depth blocks anywhere.
            foreach (int item in new[] { 0, 1 })
                foreach (var (pc, kc, jc, nc) in new[] { (0, rows, 0, columns), (1, rows - 1, 16, columns - 16), (rows / 2, rows - rows / 2, 32, Math.Min(37, columns - 32)) })
                {
                    if (kc <= 0 || nc <= 0) continue;
                    var expected = Im2ColBlock(g, x.AsSpan(item * channels * g.InputSize), pc, kc, jc, nc);
                    var packed = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                    fixed (float* dst = packed)
                        packer.Pack(planes + item * channels * packer.ChannelStride, pc, kc, jc, nc, dst);
                    Assert.True(expected.AsSpan().SequenceEqual(packed),
                        $"item {item}, block pc={pc} kc={kc} jc={jc} nc={nc}: first difference at {expected.AsSpan().CommonPrefixLength(packed)}");
                }
        }
        Assert.Equal(before, x);
    }

    [Fact]
    public void AnUnpaddedStrideOneConvWhoseRowsShrinkIsLeftToTheRowWisePacker()
    {
        // Output rows 12 wide, input rows 14: a tap's run would need the input's own row length.
        var g = new ConvGeometry(1, 2, 4, 1, [14, 14], [12, 12], [3, 3], [1, 1], [1, 1], [0, 0], [0, 0]);
        Assert.Null(PhasePlaneIm2Col.TryCreate(g));
    }

    [Fact]
    public void AOneByOneStrideTwoConvIsLeftToTheRowWisePackerSinceItReadsEachValueOnce()
    {
        var g = new ConvGeometry(1, 2, 4, 1, [14, 14], [7, 7], [1, 1], [2, 2], [1, 1], [0, 0], [0, 0]);
        Assert.Null(PhasePlaneIm2Col.TryCreate(g));
    }

    [Fact]
    public void AStridedConvWhoseLastOutputReadsPastItsPhaseRowIsLeftToTheRowWisePacker()
    {
        // 17 columns, 3 wide, stride 2, no left pad: output 7 reads column 16, phase index 8 of a plane 8 wide.
        var g = new ConvGeometry(1, 2, 4, 1, [15, 17], [7, 8], [3, 3], [2, 2], [1, 1], [0, 0], [1, 1]);
        Assert.Null(PhasePlaneIm2Col.TryCreate(g));
    }

    // The block written out: panel j / 16, row p, lane j % 16 = im2col[pc + p, jc + j], zero-padded to whole panels.
    private static float[] Im2ColBlock(ConvGeometry g, ReadOnlySpan<float> x, int pc, int kc, int jc, int nc)
    {
        int rank = g.SpatialRank;
        var block = new float[PackedGemm.RoundUp(nc, 16) * kc];
        var tap = new int[rank];
        var position = new int[rank];
        for (int p = 0; p < kc; p++)
            for (int j = 0; j < nc; j++)
            {
                int row = pc + p, channel = row / g.KernelSize;
                Unravel(row % g.KernelSize, g.Kernel, tap);
                Unravel(jc + j, g.OutputSpatial, position);
                long offset = 0;
                bool inside = true;
                for (int d = 0; d < rank; d++)
                {
                    int i = position[d] * g.Strides[d] - g.PadsBegin[d] + tap[d] * g.Dilations[d];
                    inside &= i >= 0 && i < g.InputSpatial[d];
                    offset = offset * g.InputSpatial[d] + i;
                }
                block[j / 16 * kc * 16 + p * 16 + j % 16] = inside ? x[(int)(channel * g.InputSize + offset)] : 0f;
            }
        return block;
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
