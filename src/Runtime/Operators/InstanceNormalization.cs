using OnnxNorm.Ir;
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
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double) || x.Rank < 3) throw new BadInputException($"{ctx.Node.Describe()}: InstanceNormalization needs a float [N, C, spatial...] input");
        if (x.ElementType == ElementType.Double)
        {
            var ds = ctx.Required(1).AsSpan<double>();
            var db = ctx.Required(2).AsSpan<double>();
            int dc = (int)x.Shape[1], dInner = (int)Shapes.Size(x.Shape, 2);
            if (ds.Length != dc || db.Length != dc) throw new BadInputException($"{ctx.Node.Describe()}: scale and B need {dc} values");
            var dy = ctx.Output(0, ElementType.Double, x.Shape);
            Normalize.Blocks(x.AsSpan<double>(), dy.AsSpan<double>(), (int)x.Shape[0] * dc, dInner, _epsilon);
            Normalize.AffinePerRun(dy.AsSpan<double>(), dInner, ds, db);
            return;
        }
        var scale = ctx.Required(1).AsSpan<float>();
        var bias = ctx.Required(2).AsSpan<float>();
        int n = (int)x.Shape[0], c = (int)x.Shape[1], inner = (int)Shapes.Size(x.Shape, 2);
        if (scale.Length != c || bias.Length != c) throw new BadInputException($"{ctx.Node.Describe()}: scale and B need {c} values");
        var y = ctx.Output(0, ElementType.Float, x.Shape);
        Normalize.Blocks(x.AsSpan<float>(), y.AsSpan<float>(), n * c, inner, _epsilon);
        Normalize.AffinePerRun(y.AsSpan<float>(), inner, scale, bias);
    }
}
