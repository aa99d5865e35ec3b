using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Shape arithmetic shared by the operators: broadcasting, axes, strides.</summary>
internal static class Shapes
{
    public static long[] Broadcast(OpContext ctx, params long[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var r = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            long dim = 1;
            foreach (var s in shapes)
            {
                int i = d - (rank - s.Length);
                if (i < 0) continue;
                long v = s[i];
                if (v == dim || v == 1) continue;
                if (dim == 1) dim = v;
                else throw new BadInputException($"{ctx.Node.Describe()}: shapes {string.Join(" and ", shapes.Select(Format))} cannot be broadcast together");
            }
            r[d] = dim;
        }
        return r;
    }

    public static string Format(long[] shape) => $"[{string.Join(',', shape)}]";

    public static int Axis(long axis, int rank, string describe, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new BadInputException($"{describe}: {what} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    public static long Size(ReadOnlySpan<long> shape, int from = 0, int to = -1)
    {
        if (to < 0) to = shape.Length;
        long n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        return n;
    }

    public static long[] Strides(long[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>Strides of <paramref name="shape"/> aligned to <paramref name="outShape"/> (right-aligned), 0 on broadcast dims.</summary>
    public static long[] BroadcastStrides(long[] shape, long[] outShape)
    {
        int rank = outShape.Length;
        var s = new long[rank];
        long acc = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - shape.Length);
            if (j < 0) { s[i] = 0; continue; }
            s[i] = shape[j] == 1 && outShape[i] != 1 ? 0 : acc;
            acc *= shape[j];
        }
        return s;
    }

    /// <summary>Integer values of a 1-D (or scalar) int tensor: shapes, axes, pads.</summary>
    public static long[] Ints(TensorValue t) => t.Buffer switch
    {
        long[] a => a.AsSpan(0, t.Length).ToArray(),
        int[] a => Array.ConvertAll(a.AsSpan(0, t.Length).ToArray(), x => (long)x),
        _ => Array.ConvertAll(t.ToDoubles(), x => (long)x),
    };

    public static bool IsFloat(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;
}
