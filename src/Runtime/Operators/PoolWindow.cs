namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// The windows of an N-d pool over one [spatial...] plane: for each output position, the flat input offsets
/// its window covers (in-bounds only) and how many window positions fall in the padded input. Built once per
/// input shape and reused for every (image, channel) plane.
/// </summary>
internal sealed class PoolWindow
{
    public int[] Start { get; }      // per output: index into Offsets
    public int[] Offsets { get; }    // flat in-bounds input offsets, window by window
    public int[] PaddedCount { get; } // window positions inside the padded input (count_include_pad)
    public int InputSize { get; }
    public int OutputSize { get; }

    /// <summary>The geometry of a 2-D pool without dilation, for row-wise kernels; null otherwise.</summary>
    public Pool2D? Plane2D { get; }

    public PoolWindow(int[] input, int[] output, int[] kernel, int[] strides, int[] dilations, int[] padBegin, int[] padEnd)
    {
        int r = input.Length;
        InputSize = input.Aggregate(1, (a, b) => a * b);
        OutputSize = output.Aggregate(1, (a, b) => a * b);
        int kSize = kernel.Aggregate(1, (a, b) => a * b);
        Start = new int[OutputSize + 1];
        PaddedCount = new int[OutputSize];
        var offsets = new List<int>(OutputSize * Math.Min(kSize, 64));
        var o = new int[r];
        var k = new int[r];
        for (int oi = 0; oi < OutputSize; oi++)
        {
            Unravel(oi, output, o);
            Start[oi] = offsets.Count;
            int padded = 0;
            for (int ki = 0; ki < kSize; ki++)
            {
                Unravel(ki, kernel, k);
                bool inside = true, inPad = true;
                int off = 0;
                for (int d = 0; d < r; d++)
                {
                    int pos = o[d] * strides[d] - padBegin[d] + k[d] * dilations[d];
                    if (pos < 0 || pos >= input[d]) inside = false;
                    if (pos < -padBegin[d] || pos >= input[d] + padEnd[d]) inPad = false;
                    off = off * input[d] + pos;
                }
                if (inPad) padded++;
                if (inside) offsets.Add(off);
            }
            PaddedCount[oi] = padded;
        }
        Start[OutputSize] = offsets.Count;
        Offsets = offsets.ToArray();
        if (r == 2 && dilations[0] == 1 && dilations[1] == 1)
            Plane2D = new Pool2D(input[0], input[1], output[0], output[1], kernel[0], kernel[1], strides[0], strides[1], padBegin[0], padBegin[1]);
    }

    public static void Unravel(int index, int[] dims, int[] result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }
}
