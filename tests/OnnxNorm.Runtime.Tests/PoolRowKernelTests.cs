using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.ThreadCountRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The row kernels of 2-D MaxPool and AveragePool (contiguous taps at strides 1 and 2, padded rows) against the
/// definition written out here window by window in float64, over strides, pads, ceil_mode and count_include_pad,
/// at one, two and four threads.
/// </summary>
public class PoolRowKernelTests
{
    public static IEnumerable<object[]> Geometries => new object[][]
    {
        // h, w, kh, kw, sh, sw, top, left, bottom, right, ceil
        new object[] { 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, false }, // ResNet's stem MaxPool
        new object[] { 28, 28, 2, 2, 2, 2, 0, 0, 0, 0, false }, // DenseNet's transition AveragePool
        new object[] { 13, 37, 2, 2, 2, 2, 0, 0, 0, 0, true },  // odd sizes: ceil_mode adds a half window
        new object[] { 13, 37, 2, 2, 2, 2, 0, 0, 0, 0, false }, // odd sizes: the last row and column unread
        new object[] { 14, 14, 2, 2, 2, 2, 0, 0, 0, 0, false }, // 7 outputs a row: one partial vector
        new object[] { 9, 41, 3, 3, 2, 2, 1, 1, 1, 1, true },
        new object[] { 11, 30, 3, 5, 1, 1, 1, 2, 1, 2, false }, // stride 1, SPP-like same padding
        new object[] { 8, 19, 3, 3, 1, 1, 0, 0, 0, 0, true },
        new object[] { 10, 33, 5, 4, 2, 2, 2, 3, 2, 0, false }, // even kernel, uneven pads
        new object[] { 7, 23, 3, 3, 3, 3, 1, 1, 1, 1, true },   // stride 3: the scalar column pass
        new object[] { 6, 9, 4, 5, 2, 2, 3, 4, 3, 4, false },   // windows wholly in the padding
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_pool_equals_the_window_maximum_with_NaN_at_every_thread_count(int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, bool ceil)
    {
        var (x, one, oh, ow) = RunPool("MaxPool", h, w, kh, kw, sh, sw, pt, pl, pb, pr, ceil, countPad: false);
        for (int p = 0; p < 6; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double want = double.NegativeInfinity;
                    bool nan = false;
                    foreach (int at in Window(h, w, kh, kw, sh, sw, pt, pl, oy, ox))
                    {
                        float v = x[p * h * w + at];
                        if (float.IsNaN(v)) nan = true;
                        else want = Math.Max(want, v);
                    }
                    float got = one[(p * oh + oy) * ow + ox];
                    if (nan) Assert.True(float.IsNaN(got), $"plane {p} ({oy},{ox}): expected NaN, got {got}");
                    else Assert.Equal((float)want, got);
                }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Average_pool_equals_the_window_sum_in_float64_divided_once_at_every_thread_count(int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, bool ceil)
    {
        foreach (bool countPad in new[] { false, true })
        {
            var (x, one, oh, ow) = RunPool("AveragePool", h, w, kh, kw, sh, sw, pt, pl, pb, pr, ceil, countPad);
            for (int p = 0; p < 6; p++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double sum = 0; // row by row, column by column: the executor's order
                        int inside = 0;
                        foreach (int at in Window(h, w, kh, kw, sh, sw, pt, pl, oy, ox)) { sum += x[p * h * w + at]; inside++; }
                        int count = countPad ? PaddedCount(h + pb, kh, sh, pt, oy) * PaddedCount(w + pr, kw, sw, pl, ox) : inside;
                        float want = (float)(sum / count);
                        float got = one[(p * oh + oy) * ow + ox];
                        Assert.True(want.Equals(got), $"count_include_pad={countPad} plane {p} ({oy},{ox}): expected {want}, got {got}");
                    }
        }
    }

    private static (float[] X, float[] Y, int OutH, int OutW) RunPool(string op, int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, bool ceil, bool countPad)
    {
        var b = new ModelBuilder(opset: 19);
        b.Input("x", ElementType.Float, 2, 3, h, w);
        var attrs = new List<(string, object)>
        {
            ("kernel_shape", new long[] { kh, kw }), ("strides", new long[] { sh, sw }),
            ("pads", new long[] { pt, pl, pb, pr }), ("ceil_mode", ceil ? 1L : 0L),
        };
        if (op == "AveragePool") attrs.Add(("count_include_pad", countPad ? 1L : 0L));
        b.Node(op, new[] { "x" }, new[] { "y" }, "pool", attrs.ToArray());
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var x = Normals(6 * h * w, (ulong)(h * 1000 + w));
        x[5] = float.NaN;
        x[3 * h * w + w + 2] = float.NaN; // plane 3: the second half of the planes
        x[4 * h * w + 1] = float.PositiveInfinity;
        var feed = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 3, h, w }, x) };
        var one = Run(model, feed, 1);
        foreach (int threads in new[] { 2, 4 }) Assert.Equal(one, Run(model, feed, threads));
        int oh = OutSize(h, kh, sh, pt, pb, ceil), ow = OutSize(w, kw, sw, pl, pr, ceil);
        Assert.Equal(6 * oh * ow, one.Length);
        return (x, one, oh, ow);
    }

    // ONNX's output size; with ceil_mode the last window must start inside the input or its leading pad.
    private static int OutSize(int n, int k, int s, int padBegin, int padEnd, bool ceil)
    {
        int span = n + padBegin + padEnd - k;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= n + padBegin) o--;
        return o;
    }

    // Flat in-plane offsets of an output's window inside the input, row by row.
    private static IEnumerable<int> Window(int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int oy, int ox)
    {
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int r = oy * sh - pt + ky, c = ox * sw - pl + kx;
                if (r >= 0 && r < h && c >= 0 && c < w) yield return r * w + c;
            }
    }

    // Window positions along one dim inside the padded input [-padBegin, paddedEnd).
    private static int PaddedCount(int paddedEnd, int k, int s, int padBegin, int o)
    {
        int n = 0;
        for (int i = 0; i < k; i++)
        {
            int pos = o * s - padBegin + i;
            if (pos >= -padBegin && pos < paddedEnd) n++;
        }
        return n;
    }
}
