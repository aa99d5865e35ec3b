using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// GroupNormalization: statistics per (image, group of channels). Opset 18 takes scale/bias per group
/// ([num_groups]); opset 21 per channel ([C]).
/// </summary>
internal sealed class GroupNormalization : IOperator
{
    private readonly int _groups;
    private readonly float _epsilon;
    private readonly bool _perChannel;

    private GroupNormalization(int groups, float epsilon, bool perChannel)
    {
        _groups = groups;
        _epsilon = epsilon;
        _perChannel = perChannel;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("num_groups", "epsilon", "stash_type");
        if (n.Int("stash_type", 1) != 1) throw n.Error("stash_type other than 1 (float) is not supported");
        long g = n.Int("num_groups", 0);
        if (g <= 0) throw n.Error($"num_groups must be positive, not {g}");
        return new GroupNormalization((int)g, n.Float("epsilon", 1e-5f), n.Opset >= 21);
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double) || x.Rank < 2) throw new BadInputException($"{desc}: GroupNormalization needs a float [N, C, ...] input");
        bool dbl = x.ElementType == ElementType.Double;
        int n = (int)x.Shape[0], c = (int)x.Shape[1], inner = (int)Shapes.Size(x.Shape, 2);
        if (c % _groups != 0) throw new BadInputException($"{desc}: {c} channels are not divisible by num_groups {_groups}");
        var scale = ctx.Required(1).ToDoubles();
        var bias = ctx.Required(2).ToDoubles();
        int expected = _perChannel ? c : _groups;
        if (scale.Length != expected || bias.Length != expected) throw new BadInputException($"{desc}: scale and bias need {expected} values");
        int cpg = c / _groups, size = cpg * inner;
        var y = ctx.Output(0, x.ElementType, x.Shape);
        // Per channel (opset 21): runs of one channel's plane; per group (18): runs of one group's block.
        if (dbl)
        {
            Normalize.Blocks(x.AsSpan<double>(), y.AsSpan<double>(), n * _groups, size, _epsilon);
            Normalize.AffinePerRun(y.AsSpan<double>(), _perChannel ? inner : size, scale, bias);
            return;
        }
        Normalize.Blocks(x.AsSpan<float>(), y.AsSpan<float>(), n * _groups, size, _epsilon);
        Normalize.AffinePerRun(y.AsSpan<float>(), _perChannel ? inner : size, scale.Select(v => (float)v).ToArray(), bias.Select(v => (float)v).ToArray());
    }
}
