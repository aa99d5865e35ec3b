using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Trilu: keeps the upper (or lower) triangle of the last two dims, offset by k; the rest becomes 0.</summary>
internal sealed class Trilu : IOperator
{
    private readonly bool _upper;

    private Trilu(bool upper) => _upper = upper;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("upper");
        return new Trilu(n.Int("upper", 1) != 0);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Rank < 2) throw new BadInputException($"{ctx.Node.Describe()}: input must have rank ≥ 2");
        long k = ctx.Input(1) is { Length: > 0 } kt ? Shapes.Ints(kt)[0] : 0;
        long rows = x.Shape[^2], cols = x.Shape[^1];
        var y = ctx.OutputZeroed(0, x.ElementType, x.Shape);
        var map = new int[y.Length];
        for (int i = 0; i < map.Length; i++)
        {
            long j = i % cols, r = i / cols % rows;
            bool keep = _upper ? j - r >= k : j - r <= k;
            map[i] = keep ? i : -1;
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, map);
    }
}
