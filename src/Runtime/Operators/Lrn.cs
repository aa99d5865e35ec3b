using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>LRN across channels: y = x / (bias + alpha/size · Σ x²)^beta over the window of 'size' channels.</summary>
internal sealed class Lrn : IOperator
{
    private readonly float _alpha, _beta, _bias;
    private readonly int _size;

    private Lrn(float alpha, float beta, float bias, int size)
    {
        _alpha = alpha;
        _beta = beta;
        _bias = bias;
        _size = size;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("alpha", "beta", "bias", "size");
        long size = n.Int("size", 0);
        if (size <= 0 || size > 1 << 20) throw n.Error($"size must be positive, not {size}");
        return new Lrn(n.Float("alpha", 1e-4f), n.Float("beta", 0.75f), n.Float("bias", 1f), (int)size);
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double) || x.Rank < 3) throw new BadInputException($"{ctx.Node.Describe()}: LRN needs a float [N, C, spatial...] input");
        int n = (int)x.Shape[0], c = (int)x.Shape[1], inner = (int)Shapes.Size(x.Shape, 2);
        var xs = x.ToDoubles();
        var y = ctx.Output(0, x.ElementType, x.Shape);
        var ys = new double[x.Length];
        int before = (_size - 1) / 2, after = _size - 1 - before;
        for (int img = 0; img < n; img++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < inner; i++)
                {
                    double sq = 0;
                    for (int k = Math.Max(0, ch - before); k <= Math.Min(c - 1, ch + after); k++)
                    {
                        double v = xs[(img * c + k) * inner + i];
                        sq += v * v;
                    }
                    int at = (img * c + ch) * inner + i;
                    ys[at] = xs[at] / Math.Pow(_bias + _alpha / _size * sq, _beta);
                }
        Cast.WriteDoubles(ys, y);
    }
}
