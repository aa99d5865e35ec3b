using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>EyeLike: a 2-D tensor of the input's shape with ones on diagonal k ('dtype' or the input's type).</summary>
internal sealed class EyeLike : IOperator
{
    private readonly ElementType? _type;
    private readonly long _k;

    private EyeLike(ElementType? type, long k)
    {
        _type = type;
        _k = k;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("dtype", "k");
        ElementType? t = n.Has("dtype") ? (ElementType)n.Int("dtype", 1) : null;
        if (t is { } tt && !Cast.Supported(tt)) throw n.Error($"dtype {tt.Name()} is not supported");
        return new EyeLike(t, n.Int("k", 0));
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Rank != 2) throw new BadInputException($"{ctx.Node.Describe()}: input must be 2-D");
        var y = ctx.Output(0, _type ?? x.ElementType, x.Shape);
        long rows = x.Shape[0], cols = x.Shape[1];
        var v = new double[y.Length];
        for (long i = 0; i < rows; i++)
        {
            long j = i + _k;
            if (j >= 0 && j < cols) v[i * cols + j] = 1;
        }
        Cast.WriteDoubles(v, y);
    }
}
