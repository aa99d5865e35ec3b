using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>DepthToSpace (modes DCR and CRD) and SpaceToDepth on [N, C, H, W]: reshape–transpose–reshape as one index map.</summary>
internal sealed class DepthToSpace : IOperator
{
    private readonly bool _toDepth;
    private readonly int _b;
    private readonly bool _crd;

    private DepthToSpace(bool toDepth, int b, bool crd)
    {
        _toDepth = toDepth;
        _b = b;
        _crd = crd;
    }

    public static OperatorFactory Factory(bool toDepth) => n =>
    {
        n.OnlyAttributes("blocksize", "mode");
        long b = n.Int("blocksize", 0);
        if (b <= 0 || b > 1 << 16) throw n.Error($"blocksize must be between 1 and 65536, not {b}");
        string mode = n.String("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw n.Error($"mode '{mode}' is not DCR or CRD");
        return new DepthToSpace(toDepth, (int)b, mode == "CRD");
    };

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Rank != 4) throw new BadInputException($"{ctx.Node.Describe()}: input must be [N, C, H, W]");
        long n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], b = _b;
        long[] tmpShape, perm;
        long[] outShape;
        if (!_toDepth)
        {
            if (c % (b * b) != 0) throw new BadInputException($"{ctx.Node.Describe()}: {c} channels are not divisible by blocksize² {b * b}");
            tmpShape = _crd ? new[] { n, c / (b * b), b, b, h, w } : new[] { n, b, b, c / (b * b), h, w };
            perm = _crd ? new long[] { 0, 1, 4, 2, 5, 3 } : new long[] { 0, 3, 4, 1, 5, 2 };
            outShape = new[] { n, c / (b * b), h * b, w * b };
        }
        else
        {
            if (h % b != 0 || w % b != 0) throw new BadInputException($"{ctx.Node.Describe()}: H and W must be divisible by blocksize {b}");
            tmpShape = new[] { n, c, h / b, b, w / b, b };
            perm = new long[] { 0, 3, 5, 1, 2, 4 };
            outShape = new[] { n, c * b * b, h / b, w / b };
        }
        var strides = Shapes.Strides(tmpShape);
        var permShape = perm.Select(p => tmpShape[p]).ToArray();
        var y = ctx.Output(0, x.ElementType, outShape);
        IndexCopy.CopyStrided(x.Buffer, y.Buffer, permShape, 0, perm.Select(p => strides[p]).ToArray());
    }
}
