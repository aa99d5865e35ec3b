using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>GlobalAverage/MaxPool in double (sums in order, one division per output); AveragePool's double form is AveragePool's own.</summary>
internal static class DoublePooling
{
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
