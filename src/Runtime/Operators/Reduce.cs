using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

internal enum ReduceKind { Mean, Sum, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp }

/// <summary>
/// ReduceMean/Sum/Max/Min/Prod/SumSquare/L1/L2/LogSum/LogSumExp: axes as attribute (before opset 18; ReduceSum before 13) or
/// optional input, keepdims, noop_with_empty_axes. Accumulates in double; float, double, float16 (via float), int32, int64.
/// </summary>
internal sealed class Reduce : IOperator
{
    private readonly ReduceKind _kind;
    private readonly long[]? _attrAxes;
    private readonly bool _keepDims;
    private readonly bool _noopEmpty;
    private readonly bool _axesFromInput;

    private Reduce(ReduceKind kind, long[]? axes, bool keepDims, bool noopEmpty, bool axesFromInput)
    {
        _kind = kind;
        _attrAxes = axes;
        _keepDims = keepDims;
        _noopEmpty = noopEmpty;
        _axesFromInput = axesFromInput;
    }

    public static OperatorFactory Factory(ReduceKind kind) => ComputeInFloat.Wrap(n =>
    {
        bool fromInput = kind == ReduceKind.Sum ? n.Opset >= 13 : n.Opset >= 18;
        n.OnlyAttributes(fromInput ? new[] { "keepdims", "noop_with_empty_axes" } : new[] { "axes", "keepdims" });
        return new Reduce(kind, fromInput ? null : n.Ints("axes"), n.Int("keepdims", 1) != 0, n.Int("noop_with_empty_axes", 0) != 0, fromInput);
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        int r = x.Rank;
        var axes = _axesFromInput ? (ctx.Input(1) is { } t ? Shapes.Ints(t) : null) : _attrAxes;
        if (axes is { Length: 0 }) axes = null;
        if (axes is null && _noopEmpty && _axesFromInput)
        {
            var copy = ctx.Output(0, x.ElementType, x.Shape);
            Array.Copy(x.Buffer, copy.Buffer, x.Length);
            return;
        }
        var reduce = new bool[r];
        if (axes is null) Array.Fill(reduce, true);
        else foreach (long a in axes) reduce[Shapes.Axis(a, r, desc)] = true;
        var keptShape = x.Shape.Select((d, i) => reduce[i] ? 1 : d).ToArray();
        var outShape = _keepDims ? keptShape : x.Shape.Where((_, i) => !reduce[i]).ToArray();
        var y = ctx.Output(0, x.ElementType, outShape);
        int n = y.Length;
        var values = x.ToDoubles();
        var acc = new double[n];
        double init = _kind switch { ReduceKind.Max => double.NegativeInfinity, ReduceKind.Min => double.PositiveInfinity, ReduceKind.Prod => 1, _ => 0 };
        Array.Fill(acc, init);
        var counts = 0L;
        if (x.Length > 0)
        {
            var strides = Shapes.BroadcastStrides(keptShape, x.Shape);
            for (int d = 0; d < r; d++) if (reduce[d]) strides[d] = 0;
            var idx = new long[r];
            for (int i = 0; i < values.Length; i++)
            {
                long o = 0;
                for (int d = 0; d < r; d++) o += idx[d] * strides[d];
                double v = values[i];
                ref double a = ref acc[o];
                switch (_kind)
                {
                    case ReduceKind.Max: if (v > a || double.IsNaN(v)) a = double.IsNaN(a) ? a : v; break;
                    case ReduceKind.Min: if (v < a || double.IsNaN(v)) a = double.IsNaN(a) ? a : v; break;
                    case ReduceKind.Prod: a *= v; break;
                    case ReduceKind.SumSquare: case ReduceKind.L2: a += v * v; break;
                    case ReduceKind.L1: a += Math.Abs(v); break;
                    case ReduceKind.LogSumExp: a += Math.Exp(v); break;
                    default: a += v; break;
                }
                for (int d = r - 1; d >= 0; d--)
                {
                    if (++idx[d] < x.Shape[d]) break;
                    idx[d] = 0;
                }
            }
            counts = x.Length / Math.Max(1, n);
        }
        for (int i = 0; i < n; i++)
            acc[i] = _kind switch
            {
                ReduceKind.Mean => counts == 0 ? double.NaN : acc[i] / counts,
                ReduceKind.L2 => Math.Sqrt(acc[i]),
                ReduceKind.LogSum or ReduceKind.LogSumExp => Math.Log(acc[i]),
                _ => acc[i],
            };
        if (x.ElementType is ElementType.Int64 or ElementType.Int32 && _kind is ReduceKind.Max or ReduceKind.Min or ReduceKind.Sum or ReduceKind.Prod)
        {
            // Integer reductions exact in long (values up to 2^53 survive the double path; recompute the sum exactly).
            if (_kind == ReduceKind.Sum && x.ElementType == ElementType.Int64) ExactSum(x, reduce, keptShape, y);
            else Cast.WriteDoubles(acc, y);
            return;
        }
        if (!Shapes.IsFloat(x.ElementType) && x.ElementType is not (ElementType.Int64 or ElementType.Int32 or ElementType.UInt8 or ElementType.Int8))
            throw new BadInputException($"{desc}: {ctx.Node.OpType} does not support {x.ElementType.Name()}");
        Cast.WriteDoubles(acc, y);
    }

    private static void ExactSum(TensorValue x, bool[] reduce, long[] keptShape, TensorValue y)
    {
        var src = (long[])x.Buffer;
        var dst = (long[])y.Buffer;
        Array.Clear(dst, 0, y.Length);
        int r = x.Rank;
        var strides = Shapes.BroadcastStrides(keptShape, x.Shape);
        for (int d = 0; d < r; d++) if (reduce[d]) strides[d] = 0;
        var idx = new long[r];
        for (int i = 0; i < x.Length; i++)
        {
            long o = 0;
            for (int d = 0; d < r; d++) o += idx[d] * strides[d];
            dst[o] += src[i];
            for (int d = r - 1; d >= 0; d--)
            {
                if (++idx[d] < x.Shape[d]) break;
                idx[d] = 0;
            }
        }
    }
}
