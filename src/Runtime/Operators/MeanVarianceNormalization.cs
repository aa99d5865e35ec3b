using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>MeanVarianceNormalization: (x − mean) / √(var + 1e-9) over 'axes' (default [0, 2, 3]).</summary>
internal sealed class MeanVarianceNormalization : IOperator
{
    private readonly long[] _axes;

    private MeanVarianceNormalization(long[] axes) => _axes = axes;

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("axes");
        return new MeanVarianceNormalization(n.Ints("axes") ?? new long[] { 0, 2, 3 });
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double)) throw new BadInputException($"{ctx.Node.Describe()}: MeanVarianceNormalization needs float input");
        int r = x.Rank;
        var reduce = new bool[r];
        foreach (long a in _axes) reduce[Shapes.Axis(a, r, ctx.Node.Describe())] = true;
        var kept = x.Shape.Select((d, i) => reduce[i] ? 1 : d).ToArray();
        var strides = Shapes.BroadcastStrides(kept, x.Shape);
        for (int d = 0; d < r; d++) if (reduce[d]) strides[d] = 0;
        int groups = (int)Shapes.Size(kept);
        var sum = new double[groups];
        var sq = new double[groups];
        var xs = x.ToDoubles();
        var group = new int[x.Length];
        var idx = new long[r];
        for (int i = 0; i < x.Length; i++)
        {
            long g = 0;
            for (int d = 0; d < r; d++) g += idx[d] * strides[d];
            group[i] = (int)g;
            sum[g] += xs[i];
            for (int d = r - 1; d >= 0; d--)
            {
                if (++idx[d] < x.Shape[d]) break;
                idx[d] = 0;
            }
        }
        double count = groups == 0 ? 1 : (double)x.Length / groups;
        for (int i = 0; i < x.Length; i++) { double dv = xs[i] - sum[group[i]] / count; sq[group[i]] += dv * dv; }
        var y = ctx.Output(0, x.ElementType, x.Shape);
        var ys = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int g = group[i];
            ys[i] = (xs[i] - sum[g] / count) / Math.Sqrt(sq[g] / count + 1e-9);
        }
        Cast.WriteDoubles(ys, y);
    }
}
