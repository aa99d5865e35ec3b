using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>CumSum along the axis input (exclusive, reverse), accumulated in double; float, double, int32, int64.</summary>
internal sealed class CumSum : IOperator
{
    private readonly bool _exclusive, _reverse;

    private CumSum(bool exclusive, bool reverse)
    {
        _exclusive = exclusive;
        _reverse = reverse;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("exclusive", "reverse");
        return new CumSum(n.Int("exclusive", 0) != 0, n.Int("reverse", 0) != 0);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        int axis = Shapes.Axis(Shapes.Ints(ctx.Required(1))[0], x.Rank, ctx.Node.Describe());
        long outer = Shapes.Size(x.Shape, 0, axis), len = x.Shape[axis], inner = Shapes.Size(x.Shape, axis + 1);
        var v = x.ToDoubles();
        var r = new double[v.Length];
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                double acc = 0;
                for (long step = 0; step < len; step++)
                {
                    long k = _reverse ? len - 1 - step : step;
                    long at = (o * len + k) * inner + i;
                    if (_exclusive) { r[at] = acc; acc += v[at]; }
                    else { acc += v[at]; r[at] = acc; }
                }
            }
        Cast.WriteDoubles(r, ctx.Output(0, x.ElementType, x.Shape));
    }
}
