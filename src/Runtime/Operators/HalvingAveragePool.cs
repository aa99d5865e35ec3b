using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// AveragePool's 2x2 windows at stride 2 with every window inside the input (no pads, no partial ceil_mode
/// window): DenseNet's transitions. Eight outputs at a time straight from the input rows, the sum in double in
/// the window-by-window loop's order (+0, then the top row's two values, then the bottom row's) and times 1/4,
/// which is exactly the division by the count of 4 that both count_include_pad settings give here.
/// </summary>
internal static class HalvingAveragePool
{
    public static bool Applies(Pool2D g) =>
        g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadTop: 0, PadLeft: 0 } && 2 * g.OutH <= g.H && 2 * g.OutW <= g.W;

    /// <summary>
    /// One plane. <paramref name="x"/> runs from the plane's start to the end of the input, so a row's last vector may
    /// read into the next row or plane (lanes that are not stored); only the input's very end takes the scalar loop.
    /// </summary>
    public static void Plane(ReadOnlySpan<float> x, Span<float> y, Pool2D g)
    {
        int w = g.W, outW = g.OutW;
        Span<float> last = stackalloc float[8];
        var quarter = Vector256.Create(0.25);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            var top = x[(2 * oy * w)..];
            var bottom = x[((2 * oy + 1) * w)..];
            var yRow = y.Slice(oy * outW, outW);
            int o = 0;
            if (Avx2.IsSupported)
                for (; o < outW && 2 * o + 16 <= bottom.Length; o += 8)
                {
                    var (e0, o0) = PoolRowTaps.Deinterleave(Vector256.Create(top.Slice(2 * o, 8)), Vector256.Create(top.Slice(2 * o + 8, 8)));
                    var (e1, o1) = PoolRowTaps.Deinterleave(Vector256.Create(bottom.Slice(2 * o, 8)), Vector256.Create(bottom.Slice(2 * o + 8, 8)));
                    var (e0l, e0h) = Vector256.Widen(e0);
                    var (o0l, o0h) = Vector256.Widen(o0);
                    var (e1l, e1h) = Vector256.Widen(e1);
                    var (o1l, o1h) = Vector256.Widen(o1);
                    var lo = (((Vector256<double>.Zero + e0l) + o0l) + e1l) + o1l;
                    var hi = (((Vector256<double>.Zero + e0h) + o0h) + e1h) + o1h;
                    var mean = Vector256.Narrow(lo * quarter, hi * quarter);
                    if (o + 8 <= outW) mean.CopyTo(yRow.Slice(o, 8));
                    else
                    {
                        mean.CopyTo(last);
                        last[..(outW - o)].CopyTo(yRow[o..]);
                    }
                }
            for (; o < outW; o++)
            {
                double s = 0;
                s += top[2 * o];
                s += top[2 * o + 1];
                s += bottom[2 * o];
                s += bottom[2 * o + 1];
                yRow[o] = (float)(s / 4);
            }
        }
    }
}
