using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Identity, and Dropout in inference (output = input; the optional mask is all true). Views, no copy.</summary>
internal sealed class Identity : IOperator
{
    private readonly bool _dropout;
    private readonly float _ratio;

    private Identity(bool dropout, float ratio = 0.5f)
    {
        _dropout = dropout;
        _ratio = ratio;
    }

    public static IOperator CreateIdentity(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Identity(false);
    }

    public static IOperator CreateDropout(NodeInfo n)
    {
        n.OnlyAttributes("ratio", "is_test", "seed", "consumed_inputs");
        // Opset 12+: ratio is input 1 and training_mode input 2 (checked at run time: training with ratio > 0 is random).
        return new Identity(true, n.Float("ratio", 0.5f));
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (_dropout && ctx.Input(2) is { Length: > 0 } training && training.ToDoubles()[0] != 0)
        {
            double ratio = ctx.Input(1) is { Length: > 0 } r ? r.ToDoubles()[0] : _ratio;
            if (ratio != 0) throw new BadInputException($"{ctx.Node.Describe()}: Dropout in training mode with ratio {ratio} is random; the native executor does not support it");
        }
        ctx.SetOutput(0, x);
        if (_dropout && ctx.WantsOutput(1))
        {
            var mask = ctx.Output(1, ElementType.Bool, x.Shape);
            ((bool[])mask.Buffer).AsSpan(0, mask.Length).Fill(true);
        }
    }
}
