using System.Runtime.Intrinsics;
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
        else if (w.Plane2D is { } h && HalvingAveragePool.Applies(h))
            ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels,
                new HalvingPlanes((float[])x.Buffer, (float[])ctx.Output(0, ElementType.Float, shape).Buffer, w, h));
        else if (w.Plane2D is { } g && PoolRowTaps.Contiguous(g) && RowFloats(g) * g.KernelH <= MaxStackFloats)
            ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels,
                new FloatRowPlanes((float[])x.Buffer, (float[])ctx.Output(0, ElementType.Float, shape).Buffer, w, g, DivisorsFor(w)));
        else
            ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels,
                new Planes<float>((float[])x.Buffer, (float[])ctx.Output(0, ElementType.Float, shape).Buffer, w, _countPad));
    }

    private double[] DivisorsFor(PoolWindow w)
    {
        if (!ReferenceEquals(_divisorsOf, w))
        {
            var d = new double[w.OutputSize + Vector256<double>.Count * 2]; // a row's last vector reads past it
            d.AsSpan(w.OutputSize).Fill(1);
            for (int o = 0; o < w.OutputSize; o++) d[o] = _countPad ? w.PaddedCount[o] : w.Start[o + 1] - w.Start[o];
            _divisors = d;
            _divisorsOf = w;
        }
        return _divisors!;
    }

    private PoolWindow? _divisorsOf;
    private double[]? _divisors;

    private readonly struct HalvingPlanes(float[] xs, float[] ys, PoolWindow w, Pool2D g) : IRangeWork
    {
        public void Run(int first, int count)
        {
            for (int p = first; p < first + count; p++)
                HalvingAveragePool.Plane(xs.AsSpan(p * w.InputSize), ys.AsSpan(p * w.OutputSize, w.OutputSize), g);
        }
    }

    private readonly struct FloatRowPlanes(float[] xs, float[] ys, PoolWindow w, Pool2D g, double[] divisors) : IRangeWork
    {
        public void Run(int first, int count)
        {
            int rowFloats = RowFloats(g);
            Span<float> rows = stackalloc float[rowFloats * g.KernelH];
            rows.Clear(); // the padding: zeros, which leave a sum that starts at +0 unchanged
            Span<int> taps = stackalloc int[g.KernelW];
            for (int k = 0; k < taps.Length; k++) taps[k] = PoolRowTaps.TapStart(g, k);
            for (int p = first; p < first + count; p++)
                Average2D(xs.AsSpan(p * w.InputSize, w.InputSize), ys.AsSpan(p * w.OutputSize, w.OutputSize), g, divisors, rows, rowFloats, taps);
        }
    }

    // A row's taps, and room for the last vector of a row to read past its end (into lanes that are not stored).
    private static int RowFloats(Pool2D g) => PoolRowTaps.RowFloats(g) + Vector256<float>.Count;

    // The float form of Average below for 2-D windows without dilation, eight outputs at a time: each output's
    // window is summed in double in the same order (row by row, column by column; a padded position adds +0,
    // which changes no sum that starts at +0), divided by the same count, rounded once. So its bits are those of
    // the window-by-window loop. The window's rows are first laid out padded with their taps contiguous
    // (PoolRowTaps); a row's last, partial vector is stored through a buffer (DenseNet's last transition is 7 wide).
    private const int MaxStackFloats = 8192;

    private static void Average2D(ReadOnlySpan<float> x, Span<float> y, Pool2D g, ReadOnlySpan<double> divisors, Span<float> rows, int rowFloats, ReadOnlySpan<int> taps)
    {
        int width = g.W, kw = g.KernelW, outW = g.OutW, padLeft = g.PadLeft;
        Span<float> last = stackalloc float[8];
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int r0 = oy * g.StrideH - g.PadTop;
            int first = Math.Max(r0, 0), n = Math.Max(Math.Min(r0 + g.KernelH, g.H) - first, 0);
            for (int i = 0; i < n; i++)
            {
                var row = rows.Slice(i * rowFloats, rowFloats);
                x.Slice((first + i) * width, width).CopyTo(row.Slice(padLeft, width));
                PoolRowTaps.Split(g, row);
            }
            var yRow = y.Slice(oy * outW, outW);
            var div = divisors.Slice(oy * outW);
            if (!Vector256.IsHardwareAccelerated)
            {
                for (int o = 0; o < outW; o++)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++)
                        for (int k = 0; k < kw; k++) s += rows[i * rowFloats + taps[k] + o];
                    yRow[o] = (float)(s / div[o]);
                }
                continue;
            }
            for (int o = 0; o < outW; o += 8)
            {
                Vector256<double> lo = default, hi = default;
                for (int i = 0; i < n; i++)
                {
                    var row = rows.Slice(i * rowFloats + o);
                    for (int k = 0; k < kw; k++)
                    {
                        var (a, b) = Vector256.Widen(Vector256.Create(row.Slice(taps[k], 8)));
                        lo += a;
                        hi += b;
                    }
                }
                var mean = Vector256.Narrow(lo / Vector256.Create(div.Slice(o, 4)), hi / Vector256.Create(div.Slice(o + 4, 4)));
                if (o + 8 <= outW) mean.CopyTo(yRow.Slice(o, 8));
                else
                {
                    mean.CopyTo(last);
                    last[..(outW - o)].CopyTo(yRow[o..]);
                }
            }
        }
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
