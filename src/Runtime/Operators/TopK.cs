using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>TopK along 'axis' (k input from opset 10, largest/sorted from 11): values and int64 indices; ties keep the lower index.</summary>
internal sealed class TopK : IOperator
{
    private readonly long _axis;
    private readonly bool _largest;
    private readonly long _attrK;

    private TopK(long axis, bool largest, long attrK)
    {
        _axis = axis;
        _largest = largest;
        _attrK = attrK;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis", "largest", "sorted", "k");
        if (n.Int("sorted", 1) == 0) throw n.Error("sorted = 0 is not supported (the order would be unspecified)");
        return new TopK(n.Int("axis", -1), n.Int("largest", 1) != 0, n.Int("k", -1));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        long k = _attrK >= 0 ? _attrK : Shapes.Ints(ctx.Required(1))[0];
        int axis = Shapes.Axis(_axis, x.Rank, desc);
        long len = x.Shape[axis];
        if (k < 0 || k > len) throw new BadInputException($"{desc}: k = {k} is outside [0, {len}]");
        long outer = Shapes.Size(x.Shape, 0, axis), inner = Shapes.Size(x.Shape, axis + 1);
        var shape = (long[])x.Shape.Clone();
        shape[axis] = k;
        var values = ctx.Output(0, x.ElementType, shape);
        var indices = (long[])ctx.Output(1, ElementType.Int64, shape).Buffer;
        var v = x.ToDoubles();
        var order = new long[len];
        var map = new int[values.Length];
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                for (long j = 0; j < len; j++) order[j] = j;
                long bo = o * len * inner + i;
                Array.Sort(order, (p, q) =>
                {
                    double a = v[bo + p * inner], b = v[bo + q * inner];
                    int c = _largest ? b.CompareTo(a) : a.CompareTo(b);
                    return c != 0 ? c : p.CompareTo(q);
                });
                for (long j = 0; j < k; j++)
                {
                    long at = (o * k + j) * inner + i;
                    indices[at] = order[j];
                    map[at] = (int)(bo + order[j] * inner);
                }
            }
        IndexCopy.Copy(x.Buffer, values.Buffer, map);
    }
}
