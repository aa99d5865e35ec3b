using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Squeeze (axes attribute before opset 13, optional axes input from 13) and Unsqueeze (same split). Views, no copy.</summary>
internal sealed class Squeeze : IOperator
{
    private readonly long[]? _attrAxes;
    private readonly bool _unsqueeze;

    private Squeeze(long[]? axes, bool unsqueeze)
    {
        _attrAxes = axes;
        _unsqueeze = unsqueeze;
    }

    public static OperatorFactory Factory(bool unsqueeze) => n =>
    {
        n.OnlyAttributes(n.Opset < 13 ? new[] { "axes" } : Array.Empty<string>());
        var axes = n.Opset < 13 ? n.Ints("axes") : null;
        if (unsqueeze && n.Opset < 13 && axes is null) throw n.Error("'axes' attribute is required");
        return new Squeeze(axes, unsqueeze);
    };

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        var axes = _attrAxes ?? (ctx.Input(1) is { } t ? Shapes.Ints(t) : null);
        if (_unsqueeze)
        {
            if (axes is null) throw new BadInputException($"{desc}: axes are required");
            int r = x.Rank + axes.Length;
            var set = axes.Select(a => Shapes.Axis(a, r, desc)).ToHashSet();
            if (set.Count != axes.Length) throw new BadInputException($"{desc}: axes repeat");
            var shape = new long[r];
            int j = 0;
            for (int i = 0; i < r; i++) shape[i] = set.Contains(i) ? 1 : x.Shape[j++];
            ctx.SetOutput(0, x.Reshaped(shape));
        }
        else
        {
            var set = axes is null ? Enumerable.Range(0, x.Rank).Where(i => x.Shape[i] == 1).ToHashSet()
                : axes.Select(a => Shapes.Axis(a, x.Rank, desc)).ToHashSet();
            foreach (int a in set)
                if (x.Shape[a] != 1) throw new BadInputException($"{desc}: cannot squeeze axis {a} of size {x.Shape[a]}");
            ctx.SetOutput(0, x.Reshaped(x.Shape.Where((_, i) => !set.Contains(i)).ToArray()));
        }
    }
}
