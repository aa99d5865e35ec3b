using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Range(start, limit, delta): max(ceil((limit − start)/delta), 0) values; float, double, int16/32/64.</summary>
internal sealed class Range : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Range();
    }

    public void Run(OpContext ctx)
    {
        var s = ctx.Required(0);
        double start = s.ToDoubles()[0], limit = ctx.Required(1).ToDoubles()[0], delta = ctx.Required(2).ToDoubles()[0];
        if (delta == 0) throw new BadInputException($"{ctx.Node.Describe()}: delta is 0");
        long count = Math.Max((long)Math.Ceiling((limit - start) / delta), 0);
        var y = ctx.Output(0, s.ElementType, new[] { count });
        var v = new double[count];
        for (long i = 0; i < count; i++) v[i] = start + i * delta;
        Cast.WriteDoubles(v, y);
    }
}
