using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>NonZero: the int64 coordinates [rank, count] of the non-zero elements, in row-major order.</summary>
internal sealed class NonZero : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new NonZero();
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var v = x.ToDoubles();
        var hits = new List<int>();
        for (int i = 0; i < v.Length; i++) if (v[i] != 0) hits.Add(i);
        var y = (long[])ctx.Output(0, ElementType.Int64, new long[] { x.Rank, hits.Count }).Buffer;
        var strides = Shapes.Strides(x.Shape);
        for (int h = 0; h < hits.Count; h++)
            for (int d = 0; d < x.Rank; d++)
                y[d * hits.Count + h] = hits[h] / strides[d] % x.Shape[d];
    }
}
