using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Shape (start/end from opset 15) and Size: int64 facts about the input.</summary>
internal sealed class ShapeOf : IOperator
{
    private readonly long _start, _end;
    private readonly bool _size;

    private ShapeOf(long start, long end, bool size)
    {
        _start = start;
        _end = end;
        _size = size;
    }

    public static IOperator CreateShape(NodeInfo n)
    {
        n.OnlyAttributes("start", "end");
        return new ShapeOf(n.Int("start", 0), n.Int("end", long.MaxValue), false);
    }

    public static IOperator CreateSize(NodeInfo n)
    {
        n.OnlyAttributes();
        return new ShapeOf(0, 0, true);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (_size)
        {
            ((long[])ctx.Output(0, ElementType.Int64, Array.Empty<long>()).Buffer)[0] = x.Length;
            return;
        }
        int r = x.Rank;
        long s = _start < 0 ? _start + r : _start, e = _end < 0 ? _end + r : _end;
        s = Math.Clamp(s, 0, r);
        e = Math.Clamp(e, 0, r);
        var dims = x.Shape[(int)s..(int)Math.Max(s, e)];
        var y = ctx.Output(0, ElementType.Int64, new long[] { dims.Length });
        dims.CopyTo((long[])y.Buffer, 0);
    }
}
