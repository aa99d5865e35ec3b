namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Data movement by index map: dst[i] = src[map[i]] (map[i] &lt; 0 leaves dst[i] as is). Gather, Expand, Pad and
/// nearest Resize compute a map and call this; strided views (Transpose, Slice, DepthToSpace) copy without a map.
/// The typed loop is chosen once per call.
/// </summary>
internal static class IndexCopy
{
    public static void Copy(Array src, Array dst, ReadOnlySpan<int> map)
    {
        switch (src)
        {
            case float[] s: Loop(s, (float[])dst, map); break;
            case double[] s: Loop(s, (double[])dst, map); break;
            case Half[] s: Loop(s, (Half[])dst, map); break;
            case long[] s: Loop(s, (long[])dst, map); break;
            case int[] s: Loop(s, (int[])dst, map); break;
            case short[] s: Loop(s, (short[])dst, map); break;
            case ushort[] s: Loop(s, (ushort[])dst, map); break;
            case sbyte[] s: Loop(s, (sbyte[])dst, map); break;
            case byte[] s: Loop(s, (byte[])dst, map); break;
            case bool[] s: Loop(s, (bool[])dst, map); break;
            case uint[] s: Loop(s, (uint[])dst, map); break;
            case ulong[] s: Loop(s, (ulong[])dst, map); break;
            case string[] s: Loop(s, (string[])dst, map); break;
            default: throw new InvalidOperationException($"no copy loop for {src.GetType().Name}");
        }
    }

    private static void Loop<T>(T[] src, Span<T> dst, ReadOnlySpan<int> map)
    {
        for (int i = 0; i < map.Length; i++)
        {
            int j = map[i];
            if (j >= 0) dst[i] = src[j];
        }
    }

    /// <summary>
    /// dst[i] = src[start + Σ idx[d]·step[d]] for every output index i (C order) of <paramref name="outShape"/>: a
    /// strided view (Transpose, Slice, DepthToSpace) copied without building an index map of the output's size.
    /// </summary>
    public static void CopyStrided(Array src, Array dst, long[] outShape, long start, long[] steps)
    {
        switch (src)
        {
            case float[] s: StridedLoop(s, (float[])dst, outShape, start, steps); break;
            case double[] s: StridedLoop(s, (double[])dst, outShape, start, steps); break;
            case Half[] s: StridedLoop(s, (Half[])dst, outShape, start, steps); break;
            case long[] s: StridedLoop(s, (long[])dst, outShape, start, steps); break;
            case int[] s: StridedLoop(s, (int[])dst, outShape, start, steps); break;
            case short[] s: StridedLoop(s, (short[])dst, outShape, start, steps); break;
            case ushort[] s: StridedLoop(s, (ushort[])dst, outShape, start, steps); break;
            case sbyte[] s: StridedLoop(s, (sbyte[])dst, outShape, start, steps); break;
            case byte[] s: StridedLoop(s, (byte[])dst, outShape, start, steps); break;
            case bool[] s: StridedLoop(s, (bool[])dst, outShape, start, steps); break;
            case uint[] s: StridedLoop(s, (uint[])dst, outShape, start, steps); break;
            case ulong[] s: StridedLoop(s, (ulong[])dst, outShape, start, steps); break;
            case string[] s: StridedLoop(s, (string[])dst, outShape, start, steps); break;
            default: throw new InvalidOperationException($"no copy loop for {src.GetType().Name}");
        }
    }

    private static void StridedLoop<T>(T[] src, T[] dst, long[] outShape, long start, long[] steps)
    {
        int rank = outShape.Length;
        long n = Shapes.Size(outShape);
        if (n == 0) return;
        if (rank == 0)
        {
            dst[0] = src[start];
            return;
        }
        // The innermost dim is one tight loop; the outer dims advance like an odometer.
        long inner = outShape[rank - 1], step = steps[rank - 1];
        var idx = new long[rank];
        long off = start;
        for (long o = 0; o < n; o += inner)
        {
            long p = off;
            for (long j = 0; j < inner; j++, p += step) dst[o + j] = src[p];
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++idx[d] < outShape[d]) { off += steps[d]; break; }
                off -= steps[d] * (idx[d] - 1);
                idx[d] = 0;
            }
        }
    }
}
