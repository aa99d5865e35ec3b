using OnnxNorm.Graph;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>AveragePool and GlobalAverage/MaxPool in double (sums in order, one division per output).</summary>
internal static class DoublePooling
{
    public static void Average(OpContext ctx, TensorValue x, PoolWindow w, long[] shape, bool countPad)
    {
        var xs = x.AsSpan<double>();
        var ys = ctx.Output(0, ElementType.Double, shape).AsSpan<double>();
        int planes = (int)(x.Shape[0] * x.Shape[1]);
        for (int p = 0; p < planes; p++)
        {
            int xo = p * w.InputSize, yo = p * w.OutputSize;
            for (int o = 0; o < w.OutputSize; o++)
            {
                double s = 0;
                int start = w.Start[o], end = w.Start[o + 1];
                for (int j = start; j < end; j++) s += xs[xo + w.Offsets[j]];
                int count = countPad ? w.PaddedCount[o] : end - start;
                ys[yo + o] = count == 0 ? double.NaN : s / count;
            }
        }
    }

    public static void Global(OpContext ctx, TensorValue x, long[] shape, bool max)
    {
        var ys = ctx.Output(0, ElementType.Double, shape).AsSpan<double>();
        var xs = x.AsSpan<double>();
        int planes = (int)(x.Shape[0] * x.Shape[1]), size = (int)Shapes.Size(x.Shape, 2);
        for (int p = 0; p < planes; p++)
        {
            var plane = xs.Slice(p * size, size);
            if (max)
            {
                double m = double.NegativeInfinity;
                foreach (double v in plane) if (v > m || double.IsNaN(v)) { m = v; if (double.IsNaN(v)) break; }
                ys[p] = m;
            }
            else
            {
                double s = 0;
                foreach (double v in plane) s += v;
                ys[p] = s / size;
            }
        }
    }
}
