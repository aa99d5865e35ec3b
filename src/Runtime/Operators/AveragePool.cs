using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// AveragePool (opset 1-…): N-d, pads, auto_pad, strides, dilations (opset 19), ceil_mode and count_include_pad
/// (the divisor counts the padded positions, never the ones past the padding that ceil_mode adds).
/// float32 and double; float16 computed in float32.
/// </summary>
internal sealed class AveragePool : IOperator
{
    private readonly bool _countPad;
    private readonly PoolWindowCache _windows;

    private AveragePool(ConvAttributes attrs, bool ceil, bool countPad)
    {
        _windows = new PoolWindowCache(attrs, ceil);
        _countPad = countPad;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides");
        var a = ConvAttributes.Read(n);
        if (a.KernelShape is null) throw n.Error("kernel_shape is required");
        return new AveragePool(a, n.Int("ceil_mode", 0) != 0, n.Int("count_include_pad", 0) != 0);
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double)) throw new BadInputException($"{ctx.Node.Describe()}: AveragePool does not support {x.ElementType.Name()}");
        var (w, shape) = _windows.For(x.Shape, ctx.Node.Describe());
        if (x.ElementType == ElementType.Double) Average(x.AsSpan<double>(), ctx.Output(0, ElementType.Double, shape).AsSpan<double>(), x, w, _countPad);
        else Average(x.AsSpan<float>(), ctx.Output(0, ElementType.Float, shape).AsSpan<float>(), x, w, _countPad);
    }

    // One form for float32 and double (the float64 reference): each window summed in order in double, one division
    // per output, rounded once to the element type.
    private static void Average<T>(ReadOnlySpan<T> xs, Span<T> ys, TensorValue x, PoolWindow w, bool countPad)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int planes = (int)(x.Shape[0] * x.Shape[1]);
        for (int p = 0; p < planes; p++)
        {
            int xo = p * w.InputSize, yo = p * w.OutputSize;
            for (int o = 0; o < w.OutputSize; o++)
            {
                double s = 0;
                int start = w.Start[o], end = w.Start[o + 1];
                for (int j = start; j < end; j++) s += double.CreateTruncating(xs[xo + w.Offsets[j]]);
                int count = countPad ? w.PaddedCount[o] : end - start;
                ys[yo + o] = count == 0 ? T.NaN : T.CreateTruncating(s / count);
            }
        }
    }
}
