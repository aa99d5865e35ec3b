namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// A tensor cut into slices along its channel axis: axis 1 for NCHW activations (Conv, BatchNormalization), the last
/// axis for what a MatMul or Gemm computes (<see cref="ChannelAxis"/>): slice c holds every element whose index on
/// that axis is c, over all the other axes. A change confined to one channel is diluted over the whole tensor by the
/// number of channels, but not within its own slice.
/// </summary>
public readonly record struct ChannelSlices(int Count, long Inner, long ElementsPerSlice)
{
    /// <summary>
    /// Fewer elements than this per slice make the slice's RMS too noisy a statistic to divide by another (a slice of
    /// one element, as in [N, classes] logits, is a ratio of two single errors): such tensors are scored whole only.
    /// Measured: with 20 elements per channel ([1,480,1,20] in PaddleOCR rec) native vs ORT reached 3.1 per channel
    /// (6.3 before the allowance of 2); from 32 elements up (ResNet's last stage has 7x7 = 49) at most 2.3.
    /// </summary>
    public const int MinElements = 32;

    /// <summary>The slicing of a tensor of <paramref name="shape"/> along axis 1, or null when it is not worth scoring
    /// per slice (rank below 2, a single slice, or slices smaller than <see cref="MinElements"/>).</summary>
    public static ChannelSlices? Of(IReadOnlyList<long> shape) => Of(shape, 1);

    /// <summary>The same along <paramref name="axis"/> (negative: counted from the end; axis 0, the batch, is never a
    /// channel axis).</summary>
    public static ChannelSlices? Of(IReadOnlyList<long> shape, int axis)
    {
        if (axis < 0) axis += shape.Count;
        if (shape.Count < 2 || axis < 1 || axis >= shape.Count || shape[axis] < 2 || shape[axis] > int.MaxValue) return null;
        long inner = 1, outer = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Count; i++) inner *= shape[i];
        long perSlice = outer * inner;
        if (perSlice < MinElements) return null;
        return new ChannelSlices((int)shape[axis], inner, perSlice);
    }

    /// <summary>The slice that element <paramref name="index"/> (in row-major order) belongs to.</summary>
    public int ChannelOf(long index) => (int)(index / Inner % Count);

    /// <summary>The RMS of <c>x - r</c> over each slice's elements that both hold as finite numbers (r empty: of x itself).</summary>
    public double[] Rms(ReadOnlySpan<double> x, ReadOnlySpan<double> r)
    {
        var sumSq = new double[Count];
        var counts = new long[Count];
        bool diff = !r.IsEmpty;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = diff ? r[i] : 0;
            if (!double.IsFinite(a) || !double.IsFinite(b)) continue;
            int c = ChannelOf(i);
            double d = a - b;
            sumSq[c] += d * d;
            counts[c]++;
        }
        for (int c = 0; c < Count; c++) sumSq[c] = counts[c] == 0 ? 0 : Math.Sqrt(sumSq[c] / counts[c]);
        return sumSq;
    }
}
