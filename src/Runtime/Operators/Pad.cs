using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Pad, modes constant/reflect/edge/wrap. Opset 1: 'paddings' attribute; 2-10: 'pads' and 'value' attributes;
/// 11+: pads and constant_value inputs; 18+: axes input. Negative pads crop.
/// </summary>
internal sealed class Pad : IOperator
{
    private readonly string _mode;
    private readonly long[]? _attrPads;
    private readonly float _attrValue;

    private Pad(string mode, long[]? pads, float value)
    {
        _mode = mode;
        _attrPads = pads;
        _attrValue = value;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("mode", "pads", "paddings", "value");
        string mode = n.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge" or "wrap")) throw n.Error($"mode '{mode}' is not supported");
        long[]? pads = n.Opset < 11 ? n.Ints("pads") ?? n.Ints("paddings") ?? throw n.Error("'pads' is required") : null;
        return new Pad(mode, pads, n.Float("value", 0f));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        int r = x.Rank;
        var given = _attrPads ?? Shapes.Ints(ctx.Required(1));
        var axes = _attrPads is null && ctx.Input(3) is { } a ? Shapes.Ints(a).Select(v => Shapes.Axis(v, r, desc)).ToArray() : Enumerable.Range(0, r).ToArray();
        if (given.Length != 2 * axes.Length) throw new BadInputException($"{desc}: pads has {given.Length} values, expected {2 * axes.Length}");
        var pb = new long[r];
        var pe = new long[r];
        for (int i = 0; i < axes.Length; i++)
        {
            pb[axes[i]] = given[i];
            pe[axes[i]] = given[i + axes.Length];
        }
        var shape = new long[r];
        for (int d = 0; d < r; d++)
        {
            shape[d] = x.Shape[d] + pb[d] + pe[d];
            if (shape[d] < 0) throw new BadInputException($"{desc}: pads make dim {d} negative");
            if (_mode != "constant" && x.Shape[d] == 0 && shape[d] > 0) throw new BadInputException($"{desc}: cannot {_mode}-pad an empty dim");
        }
        var y = ctx.Output(0, x.ElementType, shape);
        if (y.Length == 0) return;
        bool grows = pb.Any(v => v > 0) || pe.Any(v => v > 0), crops = pb.Any(v => v < 0) || pe.Any(v => v < 0);
        // Fill with the constant value first (any element type), then copy the mapped elements.
        if (_mode == "constant" && grows)
        {
            var fill = TensorValue.Allocate(x.ElementType, new long[] { 1 });
            if (_attrPads is null && ctx.Input(2) is { Length: > 0 } cv) Array.Copy(cv.Buffer, fill.Buffer, 1);
            else if (x.ElementType != ElementType.String) Cast.WriteDoubles(new double[] { _attrValue }, fill);
            IndexCopy.Copy(fill.Buffer, y.Buffer, new int[y.Length]);
        }
        if ((_mode == "constant" || !grows) && !crops)
        {
            CopyRows(x, y, pb);
            return;
        }
        var map = new int[y.Length];
        var strides = Shapes.Strides(x.Shape);
        var idx = new long[r];
        for (int i = 0; i < map.Length; i++)
        {
            long off = 0;
            bool outside = false;
            for (int d = 0; d < r; d++)
            {
                long c = idx[d] - pb[d], dim = x.Shape[d];
                if (c < 0 || c >= dim)
                {
                    switch (_mode)
                    {
                        case "constant": outside = true; break;
                        case "edge": c = Math.Clamp(c, 0, dim - 1); break;
                        case "wrap": c = ((c % dim) + dim) % dim; break;
                        default:
                            if (dim == 1) c = 0;
                            else
                            {
                                long period = 2 * (dim - 1);
                                c = Math.Abs(c) % period;
                                if (c >= dim) c = period - c;
                            }
                            break;
                    }
                }
                off += c * strides[d];
            }
            map[i] = outside ? -1 : (int)off;
            for (int d = r - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        IndexCopy.Copy(x.Buffer, y.Buffer, map);
    }

    /// <summary>
    /// Pads that only grow (or are all zero: DenseNet's transitions export Pad(0) before each AveragePool): x's
    /// innermost rows copied whole to their place in y, instead of an index map built per element.
    /// </summary>
    private static void CopyRows(TensorValue x, TensorValue y, long[] padsBegin)
    {
        if (x.Length == 0) return;
        int r = x.Rank;
        if (r == 0 || y.Length == x.Length)
        {
            Array.Copy(x.Buffer, y.Buffer, x.Length);
            return;
        }
        long inner = x.Shape[r - 1];
        var yStrides = Shapes.Strides(y.Shape);
        var idx = new long[r - 1];
        for (long row = 0, rows = x.Length / inner; row < rows; row++)
        {
            long at = padsBegin[r - 1];
            for (int d = 0; d < r - 1; d++) at += (idx[d] + padsBegin[d]) * yStrides[d];
            Array.Copy(x.Buffer, row * inner, y.Buffer, at, inner);
            for (int d = r - 2; d >= 0; d--)
            {
                if (++idx[d] < x.Shape[d]) break;
                idx[d] = 0;
            }
        }
    }
}
