using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Transpose with 'perm' (default: reverse the dims); any element type.</summary>
internal sealed class Transpose : IOperator
{
    private readonly long[]? _perm;
    // How one input shape is copied (a tiled matrix transpose, else an index map), swapped as a whole so concurrent
    // runs never pair a plan with another shape.
    private sealed record CopyPlan(long[] Shape, (int Batches, int Rows, int Columns)? Matrix, int[]? Map);
    private CopyPlan? _plan;

    private Transpose(long[]? perm) => _perm = perm;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("perm");
        return new Transpose(n.Ints("perm"));
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        int r = x.Rank;
        var perm = _perm ?? Enumerable.Range(0, r).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != r || perm.Distinct().Count() != r || perm.Any(p => p < 0 || p >= r))
            throw new BadInputException($"{ctx.Node.Describe()}: perm [{string.Join(',', perm)}] is not a permutation of {r} dims");
        var inStrides = Shapes.Strides(x.Shape);
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        var steps = perm.Select(p => inStrides[p]).ToArray();
        var y = ctx.Output(0, x.ElementType, shape);
        // The plan depends only on the input shape: built once, reused while the shape stays.
        var plan = _plan;
        if (plan is null || !x.Shape.AsSpan().SequenceEqual(plan.Shape))
        {
            var matrix = x.Buffer is float[] or double[] or Half[] or int[] or long[] ? BlockedTranspose.Match(x.Shape, perm) : null;
            _plan = plan = new CopyPlan((long[])x.Shape.Clone(), matrix, matrix is null ? IndexCopy.Strided(shape, 0, steps) : null);
        }
        if (plan.Matrix is { } m)
        {
            switch (x.Buffer)
            {
                case float[] f: BlockedTranspose.Run(f, (float[])y.Buffer, m.Batches, m.Rows, m.Columns); return;
                case double[] d: BlockedTranspose.Run(d, (double[])y.Buffer, m.Batches, m.Rows, m.Columns); return;
                case Half[] h: BlockedTranspose.Run(h, (Half[])y.Buffer, m.Batches, m.Rows, m.Columns); return;
                case int[] i: BlockedTranspose.Run(i, (int[])y.Buffer, m.Batches, m.Rows, m.Columns); return;
                case long[] l: BlockedTranspose.Run(l, (long[])y.Buffer, m.Batches, m.Rows, m.Columns); return;
            }
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, plan.Map!);
    }
}
