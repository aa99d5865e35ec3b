using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Transpose with 'perm' (default: reverse the dims); any element type.</summary>
internal sealed class Transpose : IOperator
{
    private readonly long[]? _perm;
    private long[]? _mapShape;
    private int[]? _map;

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
        // The index map depends only on the input shape: built once, reused while the shape stays.
        if (_map is null || !x.Shape.AsSpan().SequenceEqual(_mapShape))
        {
            _map = IndexCopy.Strided(shape, 0, steps);
            _mapShape = (long[])x.Shape.Clone();
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, _map, ctx.Kernels);
    }
}
