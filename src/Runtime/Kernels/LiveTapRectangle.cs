namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The output positions at which one kernel tap reads inside the input. Along each axis the input index
/// o·stride − pad + tap·dilation grows with o, so the live outputs form an interval per axis and a rectangle
/// (box, in 3-D) overall. Positions are listed row-major; the innermost axis gives runs of
/// <see cref="RunLength"/> consecutive outputs starting at <see cref="RunStarts"/>.
/// </summary>
internal sealed class LiveTapRectangle(int tap, int[] inputOffsets, int[] runStarts, int runLength, bool plain)
{
    /// <summary>The tap's row-major index in the kernel.</summary>
    public int Tap { get; } = tap;

    /// <summary>For each live output position (row-major), the offset of the input value it reads in a channel's plane.
    /// Pinned: the packer reads it through a pointer.</summary>
    public int[] InputOffsets { get; } = inputOffsets;

    public int Size => InputOffsets.Length;

    /// <summary>Output-plane offsets of the rectangle's innermost runs.</summary>
    public int[] RunStarts { get; } = runStarts;

    public int RunLength { get; } = runLength;

    /// <summary>The rectangle is the whole output and position j reads input offset j (stride 1, no shift, input and
    /// output the same size): the input planes are the product's B as they are.</summary>
    public bool Plain { get; } = plain;

    /// <summary>The tap's live rectangle; null when the tap reads only padding.</summary>
    public static LiveTapRectangle? Of(ConvGeometry g, int tap)
    {
        int rank = g.SpatialRank;
        var low = new int[rank];
        var high = new int[rank];
        var shift = new int[rank];
        int rest = tap;
        for (int d = rank - 1; d >= 0; d--)
        {
            int k = rest % g.Kernel[d];
            rest /= g.Kernel[d];
            shift[d] = k * g.Dilations[d] - g.PadsBegin[d];
            low[d] = g.OutputSpatial[d];
            high[d] = 0;
            for (int o = 0; o < g.OutputSpatial[d]; o++)
            {
                long i = (long)o * g.Strides[d] + shift[d];
                if (i < 0 || i >= g.InputSpatial[d]) continue;
                low[d] = Math.Min(low[d], o);
                high[d] = o + 1;
            }
            if (high[d] <= low[d]) return null;
        }
        int size = 1;
        for (int d = 0; d < rank; d++) size *= high[d] - low[d];
        int runLength = high[rank - 1] - low[rank - 1];
        var offsets = GC.AllocateArray<int>(size, pinned: true);
        var runStarts = new int[size / runLength];
        var position = (int[])low.Clone();
        bool plain = size == g.OutputSize && g.InputSize == g.OutputSize;
        for (int j = 0; j < size; j++)
        {
            int input = 0, output = 0;
            for (int d = 0; d < rank; d++)
            {
                input = input * g.InputSpatial[d] + position[d] * g.Strides[d] + shift[d];
                output = output * g.OutputSpatial[d] + position[d];
            }
            offsets[j] = input;
            plain &= input == j;
            if (j % runLength == 0) runStarts[j / runLength] = output;
            // Next position, row-major.
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++position[d] < high[d]) break;
                position[d] = low[d];
            }
        }
        return new LiveTapRectangle(tap, offsets, runStarts, runLength, plain);
    }
}
