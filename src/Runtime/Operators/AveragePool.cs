using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

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
        int planes = (int)(x.Shape[0] * x.Shape[1]);
        // Planes split across threads (DenseNet's transitions pool 128-512 planes of 56x56 down to 7x7).
        if (x.ElementType == ElementType.Double)
            ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels,
                new Planes<double>((double[])x.Buffer, (double[])ctx.Output(0, ElementType.Double, shape).Buffer, w, _countPad));
        else
            ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels,
                new Planes<float>((float[])x.Buffer, (float[])ctx.Output(0, ElementType.Float, shape).Buffer, w, _countPad));
    }

    private readonly struct Planes<T>(T[] xs, T[] ys, PoolWindow w, bool countPad) : IRangeWork
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        public void Run(int first, int count) => Average<T>(xs, ys, w, countPad, first, first + count);
    }

    // One form for float32 and double (the float64 reference): each window summed in order in double, one division
    // per output, rounded once to the element type.
    private static void Average<T>(T[] xs, T[] ys, PoolWindow w, bool countPad, int firstPlane, int endPlane)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int p = firstPlane; p < endPlane; p++)
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
