using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Transpose with 'perm' (default: reverse the dims); any element type.</summary>
internal sealed class Transpose : IOperator
{
    private readonly long[]? _perm;

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
        // No index map: one kept per node, as large as the tensor, added up to megabytes in ConvNeXt.
        IndexCopy.CopyStrided(x.Buffer, y.Buffer, shape, 0, steps);
    }
}
