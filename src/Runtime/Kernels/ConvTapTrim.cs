namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Drops the kernel taps that read padding at every output position. DeepLabV3's ASPP runs 3x3 convolutions dilated
/// by 24 and 36 on a 14x14 map, where only the centre tap ever lands inside the input: as dense 3x3 convolutions
/// they multiplied 8 zeros for each real product (0.43 G multiply-adds each). Without the dead taps, and with the
/// pads shrunk by what those taps spanned, every output reads the same input values with the same weights, so the
/// sums are those of the full convolution less terms that are exactly zero (for finite weights); the GEMM groups
/// the remaining terms into its own depth blocks, as for any convolution of that size.
/// </summary>
internal static class ConvTapTrim
{
    /// <summary>
    /// The geometry without dead edge taps and its weights; <paramref name="geometry"/> itself (and null weights)
    /// when no tap is dead, when a dimension has no live tap at all, or when a shrunk pad would be negative.
    /// </summary>
    public static ConvGeometry Trim(ConvGeometry geometry, ReadOnlySpan<float> weights, out float[]? trimmedWeights)
    {
        trimmedWeights = null;
        var g = geometry;
        int rank = g.SpatialRank;
        var first = new int[rank];
        var end = new int[rank];
        bool any = false;
        for (int d = 0; d < rank; d++)
        {
            int k = g.Kernel[d];
            while (first[d] < k && !Live(g, d, first[d])) first[d]++;
            end[d] = k;
            while (end[d] > first[d] && !Live(g, d, end[d] - 1)) end[d]--;
            if (first[d] == end[d]) return geometry;
            if (g.PadsBegin[d] - first[d] * g.Dilations[d] < 0 || g.PadsEnd[d] - (k - end[d]) * g.Dilations[d] < 0) return geometry;
            any |= first[d] > 0 || end[d] < k;
        }
        if (!any) return geometry;

        var kernel = new int[rank];
        var padsBegin = new int[rank];
        var padsEnd = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            kernel[d] = end[d] - first[d];
            padsBegin[d] = g.PadsBegin[d] - first[d] * g.Dilations[d];
            padsEnd[d] = g.PadsEnd[d] - (g.Kernel[d] - end[d]) * g.Dilations[d];
        }
        var trimmed = geometry with { Kernel = kernel, PadsBegin = padsBegin, PadsEnd = padsEnd };
        int oldSize = g.KernelSize, newSize = trimmed.KernelSize;
        // Where each kept tap sits in the full kernel (row-major over the spatial dims).
        var source = new int[newSize];
        for (int t = 0; t < newSize; t++)
        {
            int rest = t, offset = 0, stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                offset += (rest % kernel[d] + first[d]) * stride;
                rest /= kernel[d];
                stride *= g.Kernel[d];
            }
            source[t] = offset;
        }
        int filters = g.OutChannels * g.InChannelsPerGroup;
        trimmedWeights = new float[(long)filters * newSize];
        for (int f = 0; f < filters; f++)
            for (int t = 0; t < newSize; t++)
                trimmedWeights[(long)f * newSize + t] = weights[(int)((long)f * oldSize + source[t])];
        return trimmed;
    }

    // Whether tap `tap` of dimension d reads inside the input for some output position.
    private static bool Live(ConvGeometry g, int d, int tap)
    {
        for (int o = 0; o < g.OutputSpatial[d]; o++)
        {
            long i = (long)o * g.Strides[d] - g.PadsBegin[d] + (long)tap * g.Dilations[d];
            if (i >= 0 && i < g.InputSpatial[d]) return true;
        }
        return false;
    }
}
