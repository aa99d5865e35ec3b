using System.Numerics;
using System.Runtime.Intrinsics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// MaxPool (opset 1-…): N-d, pads, auto_pad, strides, dilations, ceil_mode, and the optional Indices output
/// (flat row-major index into X; storage_order = 1 is rejected). float, double, int8, uint8 natively; float16 in float32.
/// NaN in a window propagates.
/// </summary>
internal sealed class MaxPool : IOperator
{
    private readonly PoolWindowCache _windows;
    private bool _columnMajor;

    private MaxPool(ConvAttributes attrs, bool ceil) => _windows = new PoolWindowCache(attrs, ceil);

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
        var a = ConvAttributes.Read(n);
        if (a.KernelShape is null) throw n.Error("kernel_shape is required");
        return new MaxPool(a, n.Int("ceil_mode", 0) != 0) { _columnMajor = n.Int("storage_order", 0) != 0 };
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var (w, shape) = _windows.For(x.Shape, ctx.Node.Describe());
        var y = ctx.Output(0, x.ElementType, shape);
        long[]? idx = ctx.WantsOutput(1) ? (long[])ctx.Output(1, ElementType.Int64, shape).Buffer : null;
        int planes = (int)(x.Shape[0] * x.Shape[1]);
        switch (x.Buffer)
        {
            case float[] a when idx is null: ParallelRanges.Run(planes, (long)w.Offsets.Length * ParallelWork.WindowReadCost, ctx.Kernels, new FloatPlanes(a, (float[])y.Buffer, w)); break;
            case float[] a: Pool(a, (float[])y.Buffer, idx, w, planes); break;
            case double[] a: Pool(a, (double[])y.Buffer, idx, w, planes); break;
            case byte[] a: Pool(a, (byte[])y.Buffer, idx, w, planes); break;
            case sbyte[] a: Pool(a, (sbyte[])y.Buffer, idx, w, planes); break;
            default: throw new BadInputException($"{ctx.Node.Describe()}: MaxPool does not support {x.ElementType.Name()}");
        }
        if (idx is not null && _columnMajor) ToColumnMajor(idx, x.Shape);
    }

    // storage_order = 1: the in-plane part of each index counts the spatial dims in column-major order.
    private static void ToColumnMajor(long[] idx, long[] xShape)
    {
        var spatial = xShape.Skip(2).Select(v => (int)v).ToArray();
        int plane = spatial.Aggregate(1, (a, b) => a * b);
        var pos = new int[spatial.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            long p = idx[i] / plane, within = idx[i] % plane;
            PoolWindow.Unravel((int)within, spatial, pos);
            long cm = 0;
            for (int d = spatial.Length - 1; d >= 0; d--) cm = cm * spatial[d] + pos[d];
            idx[i] = p * plane + cm;
        }
    }

    // The common case: float values, no Indices output. (image, channel) planes are independent, so they are
    // split across the session's threads (the stem MaxPool of a ResNet is a large share of its run time).
    private readonly struct FloatPlanes(float[] x, float[] y, PoolWindow w) : IRangeWork
    {
        public void Run(int first, int count) => PoolFloat(x, y, w, first, first + count);
    }

    private static void PoolFloat(float[] x, float[] y, PoolWindow w, int firstPlane, int endPlane)
    {
        if (w.Plane2D is { } g)
        {
            // Row scratch on the stack: this runs once per task of every call, and a heap pair per task was
            // garbage in steady state (rows wider than MaxStackRow, rare, still take the heap).
            Span<float> scratch = g.W <= MaxStackRow ? stackalloc float[2 * MaxStackRow] : new float[2 * g.W];
            Span<float> rowMax = scratch[..g.W], windowMax = scratch.Slice(g.W, g.W);
            for (int p = firstPlane; p < endPlane; p++)
                PoolFloat2D(x.AsSpan(p * w.InputSize, w.InputSize), y.AsSpan(p * w.OutputSize, w.OutputSize), g, rowMax, windowMax);
            return;
        }
        int inSize = w.InputSize, outSize = w.OutputSize;
        var start = w.Start;
        var offsets = w.Offsets;
        for (int p = firstPlane; p < endPlane; p++)
        {
            var xp = x.AsSpan(p * inSize, inSize);
            int yo = p * outSize;
            for (int o = 0; o < outSize; o++)
            {
                // MathF.Max has no data-dependent branch (a compare-and-branch mispredicts on about half the
                // reads of real activations) and returns NaN when either side is NaN, as MaxPool must.
                float best = float.NegativeInfinity;
                for (int j = start[o], end = start[o + 1]; j < end; j++) best = MathF.Max(best, xp[offsets[j]]);
                y[yo + o] = best;
            }
        }
    }

    // Row by row: the max over the window's rows (whole input rows, SIMD), then over the window's columns at
    // stride 1 (SIMD), from which each output picks its column; windows cut by padding take the scalar path.
    // Vector256.Max, like MathF.Max, returns NaN when either side is NaN.
    private const int MaxStackRow = 2048;

    private static void PoolFloat2D(ReadOnlySpan<float> x, Span<float> y, Pool2D g, Span<float> rowMax, Span<float> windowMax)
    {
        int width = g.W, kw = g.KernelW;
        int full = width - kw + 1; // window starts that fit inside the row
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int r0 = oy * g.StrideH - g.PadTop;
            int first = Math.Max(r0, 0), end = Math.Min(r0 + g.KernelH, g.H);
            var yRow = y.Slice(oy * g.OutW, g.OutW);
            if (first >= end) { yRow.Fill(float.NegativeInfinity); continue; }
            var v = rowMax;
            x.Slice(first * width, width).CopyTo(v);
            for (int r = first + 1; r < end; r++) MaxInto(v, x.Slice(r * width, width));
            var h = windowMax;
            if (full > 0)
            {
                v[..full].CopyTo(h);
                for (int k = 1; k < kw; k++) MaxInto(h[..full], v.Slice(k, full));
            }
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int c0 = ox * g.StrideW - g.PadLeft;
                if (c0 >= 0 && c0 < full) { yRow[ox] = h[c0]; continue; }
                float best = float.NegativeInfinity;
                for (int c = Math.Max(c0, 0), ce = Math.Min(c0 + kw, width); c < ce; c++) best = MathF.Max(best, v[c]);
                yRow[ox] = best;
            }
        }
    }

    private static void MaxInto(Span<float> acc, ReadOnlySpan<float> row)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= acc.Length - 8; i += 8)
                Vector256.Max(Vector256.Create(acc.Slice(i, 8)), Vector256.Create(row.Slice(i, 8))).CopyTo(acc.Slice(i, 8));
        for (; i < acc.Length; i++) acc[i] = MathF.Max(acc[i], row[i]);
    }

    private static void Pool<T>(T[] x, T[] y, long[]? indices, PoolWindow w, int planes) where T : INumber<T>, IMinMaxValue<T>
    {
        int inSize = w.InputSize, outSize = w.OutputSize;
        for (int p = 0; p < planes; p++)
        {
            int xo = p * inSize, yo = p * outSize;
            for (int o = 0; o < outSize; o++)
            {
                T best = T.MinValue;
                int arg = -1;
                bool nan = false;
                for (int j = w.Start[o]; j < w.Start[o + 1]; j++)
                {
                    T v = x[xo + w.Offsets[j]];
                    if (T.IsNaN(v)) { if (!nan) { best = v; arg = w.Offsets[j]; nan = true; } continue; }
                    if (!nan && (arg < 0 || v > best)) { best = v; arg = w.Offsets[j]; }
                }
                if (arg < 0 && typeof(T) == typeof(float)) best = (T)(object)float.NegativeInfinity;
                if (arg < 0 && typeof(T) == typeof(double)) best = (T)(object)double.NegativeInfinity;
                y[yo + o] = best;
                if (indices is not null) indices[yo + o] = xo + Math.Max(arg, 0);
            }
        }
    }
}
