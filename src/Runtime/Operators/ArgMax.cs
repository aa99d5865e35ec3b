using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>ArgMax and ArgMin along 'axis' (keepdims, select_last_index): int64 indices.</summary>
internal sealed class ArgMax : IOperator
{
    private readonly bool _min;
    private readonly long _axis;
    private readonly bool _keep, _last;

    private ArgMax(bool min, long axis, bool keep, bool last)
    {
        _min = min;
        _axis = axis;
        _keep = keep;
        _last = last;
    }

    public static OperatorFactory Factory(bool min) => n =>
    {
        n.OnlyAttributes("axis", "keepdims", "select_last_index");
        return new ArgMax(min, n.Int("axis", 0), n.Int("keepdims", 1) != 0, n.Int("select_last_index", 0) != 0);
    };

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        int axis = Shapes.Axis(_axis, x.Rank, ctx.Node.Describe());
        long outer = Shapes.Size(x.Shape, 0, axis), len = x.Shape[axis], inner = Shapes.Size(x.Shape, axis + 1);
        var shape = _keep ? x.Shape.Select((d, i) => i == axis ? 1 : d).ToArray() : x.Shape.Where((_, i) => i != axis).ToArray();
        var y = (long[])ctx.Output(0, ElementType.Int64, shape).Buffer;
        var v = x.ToDoubles();
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                long best = 0;
                double bv = v[o * len * inner + i];
                for (long k = 1; k < len; k++)
                {
                    double c = v[(o * len + k) * inner + i];
                    bool better = _min ? (c < bv || (_last && c == bv)) : (c > bv || (_last && c == bv));
                    if (better) { bv = c; best = k; }
                }
                y[o * inner + i] = best;
            }
    }
}
