using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Gather along 'axis' with int32/int64 indices (negative indices count from the end; out of range is bad input).</summary>
internal sealed class Gather : IOperator
{
    private readonly long _axis;

    private Gather(long axis) => _axis = axis;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis");
        return new Gather(n.Int("axis", 0));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        var indices = Shapes.Ints(ctx.Required(1));
        var idxShape = ctx.Required(1).Shape;
        int axis = Shapes.Axis(_axis, x.Rank, desc);
        long dim = x.Shape[axis];
        long outer = Shapes.Size(x.Shape, 0, axis), inner = Shapes.Size(x.Shape, axis + 1);
        var shape = x.Shape[..axis].Concat(idxShape).Concat(x.Shape[(axis + 1)..]).ToArray();
        var y = ctx.Output(0, x.ElementType, shape);
        for (int i = 0; i < indices.Length; i++)
        {
            long v = indices[i] < 0 ? indices[i] + dim : indices[i];
            if (v < 0 || v >= dim) throw new BadInputException($"{desc}: index {indices[i]} is out of range for dim {dim}");
            indices[i] = v;
        }
        long k = indices.Length;
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < k; i++)
                Array.Copy(x.Buffer, (o * dim + indices[i]) * inner, y.Buffer, (o * k + i) * inner, inner);
    }
}
