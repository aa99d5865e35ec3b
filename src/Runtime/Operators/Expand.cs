using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Expand: broadcast the input to (the broadcast of its shape and) the given shape; any element type.</summary>
internal sealed class Expand : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Expand();
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var target = Shapes.Ints(ctx.Required(1));
        var shape = Shapes.Broadcast(ctx, x.Shape, target);
        var y = ctx.Output(0, x.ElementType, shape);
        var map = new int[y.Length];
        if (map.Length > 0) Broadcasting.ForEach(shape, new[] { x.Shape }, (i, off) => map[i] = (int)off[0]);
        IndexCopy.Copy(x.Buffer, y.Buffer, map);
    }
}
