using System.Runtime.Intrinsics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>GlobalAveragePool and GlobalMaxPool: one value per (image, channel); spatial dims become 1.</summary>
internal sealed class GlobalPool : IOperator
{
    private readonly bool _max;

    private GlobalPool(bool max) => _max = max;

    public static OperatorFactory Factory(bool max) => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes();
        return new GlobalPool(max);
    }, includeDouble: false);

    /// <summary>
    /// The sum in double, sixteen lanes at a time in four accumulators combined in a fixed order (a plain
    /// double loop waits on one add per element). The order depends only on the plane's length.
    /// </summary>
    internal static double SumInDouble(ReadOnlySpan<float> plane)
    {
        Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The same sixteen lanes in two 512-bit accumulators (lo holds s0 and s1, hi holds s2 and s3): twice
            // the conversions per instruction, the same sums.
            Vector512<double> lo = default, hi = default;
            for (; i + 16 <= plane.Length; i += 16)
            {
                var (a, b) = Vector512.Widen(Vector512.Create(plane.Slice(i, 16)));
                lo += a;
                hi += b;
            }
            (s0, s1, s2, s3) = (lo.GetLower(), lo.GetUpper(), hi.GetLower(), hi.GetUpper());
        }
        for (; i + 16 <= plane.Length; i += 16)
        {
            var (a, b) = Vector256.Widen(Vector256.Create(plane.Slice(i, 8)));
            var (c, d) = Vector256.Widen(Vector256.Create(plane.Slice(i + 8, 8)));
            s0 += a;
            s1 += b;
            s2 += c;
            s3 += d;
        }
        double sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < plane.Length; i++) sum += plane[i];
        return sum;
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double)) throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} does not support {x.ElementType.Name()}");
        if (x.Rank < 2) throw new BadInputException($"{ctx.Node.Describe()}: input has rank {x.Rank}; need [N, C, ...]");
        var shape = x.Shape.Select((d, i) => i < 2 ? d : 1).ToArray();
        if (x.ElementType == ElementType.Double) { Float64.DoublePooling.Global(ctx, x, shape, _max); return; }
        var y = ctx.Output(0, ElementType.Float, shape);
        int planes = (int)(x.Shape[0] * x.Shape[1]), size = (int)Shapes.Size(x.Shape, 2);
        var xs = (float[])x.Buffer;
        var ys = (float[])y.Buffer;
        // Planes split across threads (SE blocks pool 1-2M values); each plane's sum order is its own.
        ParallelRanges.Run(planes, (long)size * ParallelWork.StreamedValueCost, ctx.Kernels, new Planes(xs, ys, size, _max));
    }

    private readonly struct Planes(float[] xs, float[] ys, int size, bool max) : IRangeWork
    {
        public void Run(int first, int count) => PoolPlanes(xs, ys, size, first, count, max);
    }

    private static void PoolPlanes(float[] xs, float[] ys, int size, int first, int count, bool max)
    {
        for (int p = first; p < first + count; p++)
        {
            var plane = xs.AsSpan(p * size, size);
            if (max)
            {
                float m = float.NegativeInfinity;
                foreach (float v in plane) if (v > m || float.IsNaN(v)) { m = v; if (float.IsNaN(v)) break; }
                ys[p] = m;
            }
            else ys[p] = (float)(SumInDouble(plane) / size);
        }
    }
}
