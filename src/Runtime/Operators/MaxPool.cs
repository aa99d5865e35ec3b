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
            // Row scratch on the stack: this runs once per task of every call, and a heap row per task was
            // garbage in steady state (rows wider than MaxStackFloats, rare, still take the heap).
            int n = PoolRowTaps.RowFloats(g) + Vector256<float>.Count; // the last vector of a row may read past it
            Span<float> row = n <= MaxStackFloats ? stackalloc float[n] : new float[n];
            row.Fill(float.NegativeInfinity); // the padding: never written below, and no value is below -inf
            Span<int> taps = stackalloc int[PoolRowTaps.Contiguous(g) ? g.KernelW : 0];
            for (int k = 0; k < taps.Length; k++) taps[k] = PoolRowTaps.TapStart(g, k);
            for (int p = firstPlane; p < endPlane; p++)
                PoolFloat2D(x.AsSpan(p * w.InputSize, w.InputSize), y.AsSpan(p * w.OutputSize, w.OutputSize), g, row, taps);
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

    // Row by row: the max over the window's rows (whole input rows, SIMD) into a row padded with -inf, then over
    // the window's columns, eight outputs at a time from the row's contiguous taps (PoolRowTaps: at stride 2 its
    // even and odd phases). Vector256.Max, like MathF.Max, returns NaN when either side is NaN and orders -0 below
    // +0, so the result does not depend on the order of the reads.
    private const int MaxStackFloats = 6144;

    private static void PoolFloat2D(ReadOnlySpan<float> x, Span<float> y, Pool2D g, Span<float> row, ReadOnlySpan<int> taps)
    {
        int width = g.W, kw = g.KernelW, outW = g.OutW;
        var inner = row.Slice(g.PadLeft, width);
        Span<float> last = stackalloc float[8];
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int r0 = oy * g.StrideH - g.PadTop;
            int first = Math.Max(r0, 0), end = Math.Min(r0 + g.KernelH, g.H);
            var yRow = y.Slice(oy * outW, outW);
            if (first >= end) { yRow.Fill(float.NegativeInfinity); continue; }
            MaxOfRows(x.Slice(first * width, (end - first) * width), width, inner);
            if (taps.IsEmpty || !Vector256.IsHardwareAccelerated)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    float best = float.NegativeInfinity;
                    for (int k = 0, c = ox * g.StrideW; k < kw; k++) best = MathF.Max(best, row[c + k]);
                    yRow[ox] = best;
                }
                continue;
            }
            PoolRowTaps.Split(g, row);
            for (int o = 0; o < outW; o += 8)
            {
                var at = row[o..];
                var m = Vector256.Create(at.Slice(taps[0], 8));
                for (int k = 1; k < kw; k++) m = Vector256.Max(m, Vector256.Create(at.Slice(taps[k], 8)));
                if (o + 8 <= outW) m.CopyTo(yRow.Slice(o, 8));
                else
                {
                    m.CopyTo(last);
                    last[..(outW - o)].CopyTo(yRow[o..]);
                }
            }
        }
    }

    // The elementwise max of the rows of x (each width long) into acc, in one pass.
    private static void MaxOfRows(ReadOnlySpan<float> x, int width, Span<float> acc)
    {
        int rows = x.Length / width, i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= width - 8; i += 8)
            {
                var m = Vector256.Create(x.Slice(i, 8));
                for (int r = 1; r < rows; r++) m = Vector256.Max(m, Vector256.Create(x.Slice(r * width + i, 8)));
                m.CopyTo(acc.Slice(i, 8));
            }
        for (; i < width; i++)
        {
            float m = x[i];
            for (int r = 1; r < rows; r++) m = MathF.Max(m, x[r * width + i]);
            acc[i] = m;
        }
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
