using OnnxNorm.Graph;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>InstanceNormalization: per (image, channel) statistics over the spatial dims; y = scale·(x − μ)/√(σ² + ε) + B.</summary>
internal sealed class InstanceNormalization : IOperator
{
    private readonly float _epsilon;

    private InstanceNormalization(float epsilon) => _epsilon = epsilon;

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("epsilon");
        return new InstanceNormalization(n.Float("epsilon", 1e-5f));
    });

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType != ElementType.Float || x.Rank < 3) throw new BadInputException($"{ctx.Node.Describe()}: InstanceNormalization needs a float [N, C, spatial...] input");
        var scale = ctx.Required(1).AsSpan<float>();
        var bias = ctx.Required(2).AsSpan<float>();
        int n = (int)x.Shape[0], c = (int)x.Shape[1], inner = (int)Shapes.Size(x.Shape, 2);
        if (scale.Length != c || bias.Length != c) throw new BadInputException($"{ctx.Node.Describe()}: scale and B need {c} values");
        var y = ctx.Output(0, ElementType.Float, x.Shape);
        Normalize.Blocks(x.AsSpan<float>(), y.AsSpan<float>(), n * c, inner, _epsilon);
        Normalize.AffinePerRun(y.AsSpan<float>(), inner, scale, bias);
    }
}
