using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>GatherElements along 'axis': output[i…] = data[… index[i…] …] (negative indices count from the end).</summary>
internal sealed class GatherElements : IOperator
{
    private readonly long _axis;

    private GatherElements(long axis) => _axis = axis;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis");
        return new GatherElements(n.Int("axis", 0));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        var it = ctx.Required(1);
        var idx = Shapes.Ints(it);
        int axis = Shapes.Axis(_axis, x.Rank, desc);
        if (it.Rank != x.Rank) throw new BadInputException($"{desc}: indices must have the data's rank");
        var y = ctx.Output(0, x.ElementType, it.Shape);
        var strides = Shapes.Strides(x.Shape);
        var pos = new long[it.Rank];
        var map = new int[y.Length];
        for (int i = 0; i < map.Length; i++)
        {
            long k = idx[i] < 0 ? idx[i] + x.Shape[axis] : idx[i];
            if (k < 0 || k >= x.Shape[axis]) throw new BadInputException($"{desc}: index {idx[i]} is out of range for dim {x.Shape[axis]}");
            long off = 0;
            for (int d = 0; d < pos.Length; d++) off += (d == axis ? k : pos[d]) * strides[d];
            map[i] = (int)off;
            for (int d = pos.Length - 1; d >= 0; d--)
            {
                if (++pos[d] < it.Shape[d]) break;
                pos[d] = 0;
            }
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, map);
    }
}
