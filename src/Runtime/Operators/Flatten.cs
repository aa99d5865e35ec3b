using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Flatten to 2-D at 'axis' (default 1; negative from opset 11). A view, no copy.</summary>
internal sealed class Flatten : IOperator
{
    private readonly long _axis;

    private Flatten(long axis) => _axis = axis;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis");
        return new Flatten(n.Int("axis", 1));
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        long a = _axis < 0 ? _axis + x.Rank : _axis;
        if (a < 0 || a > x.Rank) throw new BadInputException($"{ctx.Node.Describe()}: axis {_axis} is out of range for rank {x.Rank}");
        ctx.SetOutput(0, x.Reshaped(new[] { Shapes.Size(x.Shape, 0, (int)a), Shapes.Size(x.Shape, (int)a) }));
    }
}
