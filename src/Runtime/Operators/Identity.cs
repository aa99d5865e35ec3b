using OnnxNorm.Graph;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Identity, and Dropout in inference (output = input; the optional mask is all true). Views, no copy.</summary>
internal sealed class Identity : IOperator
{
    private readonly bool _dropout;

    private Identity(bool dropout) => _dropout = dropout;

    public static IOperator CreateIdentity(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Identity(false);
    }

    public static IOperator CreateDropout(NodeInfo n)
    {
        n.OnlyAttributes("ratio", "is_test", "seed", "consumed_inputs");
        // Opset 12+: training_mode is input 2; a constant false (or absent) means inference.
        if (n.HasInput(2))
        {
            var t = n.Constant(2) ?? throw n.Error("training_mode must be a constant for the native executor");
            if (t.ToDoubles().Any(v => v != 0)) throw n.Error("Dropout in training mode is not supported (it is random)");
        }
        return new Identity(true);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        ctx.SetOutput(0, x);
        if (_dropout && ctx.WantsOutput(1))
        {
            var mask = ctx.Output(1, ElementType.Bool, x.Shape);
            ((bool[])mask.Buffer).AsSpan(0, mask.Length).Fill(true);
        }
    }
}
