using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Data movement by index map: dst[i] = src[map[i]] (map[i] &lt; 0 leaves dst[i] as is). Transpose, Slice,
/// Gather, Expand, Pad and nearest Resize compute a map and call this; the typed loop is chosen once per call.
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

    /// <summary>
    /// <see cref="Copy(Array, Array, ReadOnlySpan{int})"/>, with float32 maps that are worth it (a large Transpose)
    /// split into output ranges across the target's threads; each output value is one read, wherever the range falls.
    /// </summary>
    public static void Copy(Array src, Array dst, int[] map, in KernelTarget target)
    {
        if (src is float[] s && target.Threads > 1) ParallelRanges.Run(map.Length, ParallelWork.GatheredValueCost, target, new FloatGather(s, (float[])dst, map));
        else Copy(src, dst, map);
    }

    private readonly struct FloatGather(float[] src, float[] dst, int[] map) : IRangeWork
    {
        public void Run(int first, int count) => Loop(src, dst.AsSpan(first, count), map.AsSpan(first, count));
    }

    private static void Loop<T>(T[] src, Span<T> dst, ReadOnlySpan<int> map)
    {
        for (int i = 0; i < map.Length; i++)
        {
            int j = map[i];
            if (j >= 0) dst[i] = src[j];
        }
    }

    /// <summary>The map of a strided view: for each output index, start + Σ idx[d]·step[d] (steps in elements, may be negative).</summary>
    public static int[] Strided(long[] outShape, long start, long[] steps)
    {
        int n = checked((int)Shapes.Size(outShape));
        var map = new int[n];
        int rank = outShape.Length;
        if (n == 0) return map;
        var idx = new long[rank];
        long off = start;
        for (int i = 0; i < n; i++)
        {
            map[i] = (int)off;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < outShape[d]) { off += steps[d]; break; }
                off -= steps[d] * (idx[d] - 1);
                idx[d] = 0;
            }
        }
        return map;
    }
}
