using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Where(condition, X, Y) with numpy broadcasting of all three; any element type.</summary>
internal sealed class Where : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Where();
    }

    public void Run(OpContext ctx)
    {
        var c = ctx.Required(0);
        var x = ctx.Required(1);
        var yv = ctx.Required(2);
        if (x.ElementType != yv.ElementType) throw new BadInputException($"{ctx.Node.Describe()}: X and Y have different element types");
        var shape = Shapes.Broadcast(ctx, c.Shape, x.Shape, yv.Shape);
        var o = ctx.Output(0, x.ElementType, shape);
        var cond = (bool[])c.Buffer;
        Array xs = x.Buffer, ys = yv.Buffer, os = o.Buffer;
        Broadcasting.ForEach(shape, new[] { c.Shape, x.Shape, yv.Shape }, (i, off) =>
            Array.Copy(cond[off[0]] ? xs : ys, cond[off[0]] ? off[1] : off[2], os, i, 1));
    }
}
