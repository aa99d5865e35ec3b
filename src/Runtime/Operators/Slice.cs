using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Slice: opset 1-9 attributes (starts, ends, axes), opset 10+ inputs (starts, ends, axes, steps; negative steps).
/// Indices clamp like numpy.</summary>
internal sealed class Slice : IOperator
{
    private readonly long[]? _starts, _ends, _axes;

    private Slice(long[]? starts, long[]? ends, long[]? axes)
    {
        _starts = starts;
        _ends = ends;
        _axes = axes;
    }

    public static IOperator Create(NodeInfo n)
    {
        if (n.Opset < 10)
        {
            n.OnlyAttributes("starts", "ends", "axes");
            return new Slice(n.Ints("starts") ?? throw n.Error("'starts' is required"), n.Ints("ends") ?? throw n.Error("'ends' is required"), n.Ints("axes"));
        }
        n.OnlyAttributes();
        return new Slice(null, null, null);
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        var starts = _starts ?? Shapes.Ints(ctx.Required(1));
        var ends = _ends ?? Shapes.Ints(ctx.Required(2));
        var axes = _axes ?? (_starts is null && ctx.Input(3) is { } a ? Shapes.Ints(a) : null) ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = (_starts is null && ctx.Input(4) is { } s ? Shapes.Ints(s) : null) ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw new BadInputException($"{desc}: starts, ends, axes and steps differ in length");
        int r = x.Rank;
        var begin = new long[r];
        var step = Enumerable.Repeat(1L, r).ToArray();
        var shape = (long[])x.Shape.Clone();
        var seen = new HashSet<int>();
        for (int i = 0; i < starts.Length; i++)
        {
            int ax = Shapes.Axis(axes[i], r, desc);
            if (!seen.Add(ax)) throw new BadInputException($"{desc}: axis {ax} repeats");
            long dim = x.Shape[ax], st = steps[i];
            if (st == 0) throw new BadInputException($"{desc}: step 0");
            long b = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            long count;
            if (st > 0)
            {
                b = Math.Clamp(b, 0, dim);
                e = Math.Clamp(e, 0, dim);
                count = e > b ? (e - b + st - 1) / st : 0;
            }
            else
            {
                b = Math.Clamp(b, -1, dim - 1);
                e = Math.Clamp(e, -1, dim - 1);
                count = b > e ? (b - e + (-st) - 1) / (-st) : 0;
            }
            begin[ax] = b;
            step[ax] = st;
            shape[ax] = count;
        }
        var strides = Shapes.Strides(x.Shape);
        long start = 0;
        for (int d = 0; d < r; d++) if (shape[d] > 0) start += begin[d] * strides[d];
        var y = ctx.Output(0, x.ElementType, shape);
        if (y.Length == 0) return;
        IndexCopy.CopyStrided(x.Buffer, y.Buffer, shape, start, step.Select((v, d) => v * strides[d]).ToArray());
    }
}
