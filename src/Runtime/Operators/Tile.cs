using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Tile: repeats the input along each dim (repeats input, opset 6+); any element type.</summary>
internal sealed class Tile : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Tile();
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var reps = Shapes.Ints(ctx.Required(1));
        if (reps.Length != x.Rank || reps.Any(r => r < 0)) throw new BadInputException($"{ctx.Node.Describe()}: repeats [{string.Join(',', reps)}] do not fit rank {x.Rank}");
        var shape = x.Shape.Select((d, i) => d * reps[i]).ToArray();
        var y = ctx.Output(0, x.ElementType, shape);
        var map = new int[y.Length];
        var strides = Shapes.Strides(x.Shape);
        var idx = new long[shape.Length];
        for (int i = 0; i < map.Length; i++)
        {
            long off = 0;
            for (int d = 0; d < shape.Length; d++) off += idx[d] % x.Shape[d] * strides[d];
            map[i] = (int)off;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, map);
    }
}
