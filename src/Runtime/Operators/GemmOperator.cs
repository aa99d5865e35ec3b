using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Gemm: Y = alpha·op(A)·op(B) + beta·C, C broadcast to [M, N] (optional from opset 11). float32 through
/// <see cref="Gemm"/>.Sgemm; double in double (<see cref="Float64.DoubleGemm"/>); float16 computed in float32.
/// </summary>
internal sealed class GemmOperator : IOperator
{
    private readonly bool _transA, _transB;
    private readonly float _alpha, _beta;

    private GemmOperator(bool transA, bool transB, float alpha, float beta)
    {
        _transA = transA;
        _transB = transB;
        _alpha = alpha;
        _beta = beta;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("alpha", "beta", "transA", "transB", "broadcast");
        return new GemmOperator(n.Int("transA", 0) != 0, n.Int("transB", 0) != 0, n.Float("alpha", 1f), n.Float("beta", 1f));
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var a = ctx.Required(0);
        var b = ctx.Required(1);
        var c = ctx.Input(2);
        bool isDouble = a.ElementType == ElementType.Double && b.ElementType == ElementType.Double && c is null or { ElementType: ElementType.Double };
        if (!isDouble && (a.ElementType != ElementType.Float || b.ElementType != ElementType.Float)) throw new BadInputException($"{desc}: Gemm does not support {a.ElementType.Name()}");
        if (a.Rank != 2 || b.Rank != 2) throw new BadInputException($"{desc}: Gemm needs 2-D A and B, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}");
        int m = (int)(_transA ? a.Shape[1] : a.Shape[0]), k = (int)(_transA ? a.Shape[0] : a.Shape[1]);
        int k2 = (int)(_transB ? b.Shape[1] : b.Shape[0]), n = (int)(_transB ? b.Shape[0] : b.Shape[1]);
        if (k != k2) throw new BadInputException($"{desc}: inner dims differ: A {Shapes.Format(a.Shape)}, B {Shapes.Format(b.Shape)} (transA={_transA}, transB={_transB})");
        var yShape = new long[] { m, n };
        if (isDouble)
        {
            var dy = ctx.Output(0, ElementType.Double, yShape);
            var dys = (double[])dy.Buffer;
            Array.Clear(dys, 0, m * n);
            if (c is not null && _beta != 0)
            {
                if (c.Rank > 2 || Shapes.Broadcast(ctx, yShape, c.Shape) is var ds && (ds[0] != m || ds[1] != n))
                    throw new BadInputException($"{desc}: C {Shapes.Format(c.Shape)} does not broadcast to [{m},{n}]");
                var dcs = (double[])c.Buffer;
                double beta64 = _beta;
                Broadcasting.ForEach(yShape, new[] { c.Shape }, (i, off) => dys[i] = beta64 * dcs[off[0]]);
            }
            Float64.DoubleGemm.Run(_transA, _transB, m, n, k, _alpha, a.AsSpan<double>(), (int)a.Shape[1], b.AsSpan<double>(), (int)b.Shape[1], dys.AsSpan(0, m * n));
            return;
        }
        var y = ctx.Output(0, ElementType.Float, yShape);
        var ys = (float[])y.Buffer;
        float beta = 0;
        if (c is not null && _beta != 0)
        {
            if (c.Rank > 2 || Shapes.Broadcast(ctx, yShape, c.Shape) is var s && (s[0] != m || s[1] != n))
                throw new BadInputException($"{desc}: C {Shapes.Format(c.Shape)} does not broadcast to [{m},{n}]");
            var cs = (float[])c.Buffer;
            Broadcasting.ForEach(yShape, new[] { c.Shape }, (i, off) => ys[i] = cs[off[0]]);
            beta = _beta;
        }
        Gemm.Sgemm(_transA, _transB, m, n, k, _alpha, a.AsSpan<float>(), (int)a.Shape[1], b.AsSpan<float>(), (int)b.Shape[1], beta, ys.AsSpan(0, m * n), n, ctx.Kernels);
    }
}
