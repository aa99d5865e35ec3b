using System.Numerics;
using OnnxNorm.Ir;

namespace OnnxNorm.Bench.Precision;

/// <summary>
/// EXPERIMENT ONLY (issue #4 precision study): evaluates a model entirely in double precision, as the
/// "true" output of the model's float32 parameters on float32 inputs. Supports just the ops of the
/// ResNet-18-class benchmark model (Conv with group 1 and dilation 1, BatchNormalization in inference mode,
/// Relu, MaxPool, Add of equal shapes, GlobalAveragePool, Flatten, Gemm) and throws on anything else.
/// Accumulation is in double (relative error ~1e-16 against float32's ~6e-8), so its error is negligible here.
/// </summary>
public sealed class DoubleReference
{
    private sealed record DTensor(double[] Data, int[] Shape)
    {
        public int Count => Data.Length;
    }

    private readonly Graph _graph;
    private readonly Dictionary<string, DTensor> _constants = new(StringComparer.Ordinal);
    private readonly int _threads;

    public DoubleReference(Model model, int threads)
    {
        _graph = model.Graph;
        _threads = threads;
        foreach (var v in _graph.Initializers)
            _constants[v.Name] = new DTensor(v.Initializer!.ToDoubles(), v.Initializer.Dims.Select(d => (int)d).ToArray());
    }

    /// <summary>Runs the graph on one float32 input; returns the single output as doubles.</summary>
    public double[] Run(float[] input, long[] shape)
    {
        var values = new Dictionary<string, DTensor>(_constants, StringComparer.Ordinal);
        var inputValue = _graph.Inputs.Single(v => !v.IsInitializer);
        values[inputValue.Name] = new DTensor(input.Select(x => (double)x).ToArray(), shape.Select(d => (int)d).ToArray());
        foreach (var node in _graph.TopologicalOrder())
        {
            DTensor In(int i) => values[node.Input(i)!.Name];
            DTensor y = node.OpType switch
            {
                "Conv" => Conv(node, In(0), In(1), node.Input(2) is null ? null : In(2)),
                "BatchNormalization" => BatchNorm(node, In(0), In(1), In(2), In(3), In(4)),
                "Relu" => new DTensor(In(0).Data.Select(x => x > 0 ? x : 0.0).ToArray(), In(0).Shape),
                "Add" => Add(In(0), In(1)),
                "MaxPool" => MaxPool(node, In(0)),
                "GlobalAveragePool" => GlobalAveragePool(In(0)),
                "Flatten" => Flatten(node, In(0)),
                "Gemm" => Gemm(node, In(0), In(1), node.Input(2) is null ? null : In(2)),
                var op => throw new NotSupportedException($"DoubleReference: {op} ({node.Name})"),
            };
            if (node.Outputs.Count(o => o is not null) != 1) throw new NotSupportedException($"{node.Name}: more than one output");
            values[node.Output(0)!.Name] = y;
        }
        return values[_graph.Outputs.Single().Name].Data;
    }

    private static DTensor Add(DTensor a, DTensor b)
    {
        if (!a.Shape.SequenceEqual(b.Shape)) throw new NotSupportedException("Add with broadcasting");
        var r = new double[a.Count];
        for (int i = 0; i < r.Length; i++) r[i] = a.Data[i] + b.Data[i];
        return new DTensor(r, a.Shape);
    }

    private static DTensor BatchNorm(Node node, DTensor x, DTensor g, DTensor b, DTensor m, DTensor v)
    {
        if (node.GetInt("training_mode", 0) != 0) throw new NotSupportedException("training-mode BN");
        double eps = node.GetFloat("epsilon", 1e-5f);
        int n = x.Shape[0], c = x.Shape[1], plane = x.Count / (n * c);
        var r = new double[x.Count];
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
            {
                double inv = 1.0 / Math.Sqrt(v.Data[ci] + eps);
                int o = (ni * c + ci) * plane;
                for (int i = 0; i < plane; i++) r[o + i] = (x.Data[o + i] - m.Data[ci]) * inv * g.Data[ci] + b.Data[ci];
            }
        return new DTensor(r, x.Shape);
    }

    private static DTensor GlobalAveragePool(DTensor x)
    {
        int n = x.Shape[0], c = x.Shape[1], plane = x.Count / (n * c);
        var r = new double[n * c];
        for (int i = 0; i < n * c; i++)
        {
            double s = 0;
            for (int j = 0; j < plane; j++) s += x.Data[i * plane + j];
            r[i] = s / plane;
        }
        return new DTensor(r, new[] { n, c, 1, 1 });
    }

    private static DTensor Flatten(Node node, DTensor x)
    {
        if (node.GetInt("axis", 1) != 1) throw new NotSupportedException("Flatten axis != 1");
        return new DTensor(x.Data, new[] { x.Shape[0], x.Count / x.Shape[0] });
    }

    private static DTensor Gemm(Node node, DTensor a, DTensor b, DTensor? c)
    {
        if (node.GetInt("transA", 0) != 0 || node.GetInt("transB", 0) != 1 || node.GetFloat("alpha", 1f) != 1f || node.GetFloat("beta", 1f) != 1f)
            throw new NotSupportedException("Gemm other than A·Bᵀ + C");
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[0];
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += a.Data[i * k + t] * b.Data[j * k + t];
                r[i * n + j] = s + (c is null ? 0 : c.Data[c.Count == n ? j : i * n + j]);
            }
        return new DTensor(r, new[] { m, n });
    }

    private static DTensor MaxPool(Node node, DTensor x)
    {
        var k = node.GetInts("kernel_shape")!;
        var s = node.GetInts("strides") ?? new long[] { 1, 1 };
        var p = node.GetInts("pads") ?? new long[] { 0, 0, 0, 0 };
        if (node.GetInts("dilations") is { } d && d.Any(v => v != 1)) throw new NotSupportedException("MaxPool dilation");
        if (node.GetInt("ceil_mode", 0) != 0 || node.GetString("auto_pad", "NOTSET") != "NOTSET") throw new NotSupportedException("MaxPool ceil/auto_pad");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = (int)((h + p[0] + p[2] - k[0]) / s[0] + 1), ow = (int)((w + p[1] + p[3] - k[1]) / s[1] + 1);
        var r = new double[n * c * oh * ow];
        for (int nc = 0; nc < n * c; nc++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double best = double.NegativeInfinity;
                    for (int a = 0; a < k[0]; a++)
                    {
                        long ih = i * s[0] - p[0] + a;
                        if (ih < 0 || ih >= h) continue;
                        for (int b = 0; b < k[1]; b++)
                        {
                            long iw = j * s[1] - p[1] + b;
                            if (iw < 0 || iw >= w) continue;
                            best = Math.Max(best, x.Data[(nc * h + ih) * w + iw]);
                        }
                    }
                    r[(nc * oh + i) * ow + j] = best;
                }
        return new DTensor(r, new[] { n, c, oh, ow });
    }

    /// <summary>
    /// Conv as dot products over an im2col laid out [position, K] with K padded to the vector width, so that
    /// each output is a contiguous dot product of a weight row and a patch row; 2x4 register blocking.
    /// </summary>
    private DTensor Conv(Node node, DTensor x, DTensor wT, DTensor? bias)
    {
        if (node.GetInt("group", 1) != 1) throw new NotSupportedException("grouped Conv");
        if (node.GetInts("dilations") is { } d && d.Any(v => v != 1)) throw new NotSupportedException("dilated Conv");
        if (node.GetString("auto_pad", "NOTSET") != "NOTSET") throw new NotSupportedException("Conv auto_pad");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int o = wT.Shape[0], kh = wT.Shape[2], kw = wT.Shape[3];
        if (wT.Shape[1] != c) throw new NotSupportedException("Conv channel mismatch");
        var s = node.GetInts("strides") ?? new long[] { 1, 1 };
        var p = node.GetInts("pads") ?? new long[] { 0, 0, 0, 0 };
        int oh = (int)((h + p[0] + p[2] - kh) / s[0] + 1), ow = (int)((w + p[1] + p[3] - kw) / s[1] + 1);
        int k = c * kh * kw, vw = Vector<double>.Count, kp = (k + vw - 1) / vw * vw, positions = oh * ow;

        var wPacked = new double[o * kp];
        for (int oi = 0; oi < o; oi++) Array.Copy(wT.Data, oi * k, wPacked, oi * kp, k);
        var col = new double[positions * kp];
        var r = new double[n * o * positions];
        var po = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        for (int ni = 0; ni < n; ni++)
        {
            Parallel.For(0, oh, po, i =>
            {
                for (int j = 0; j < ow; j++)
                {
                    int row = (i * ow + j) * kp;
                    int t = 0;
                    for (int ci = 0; ci < c; ci++)
                        for (int a = 0; a < kh; a++)
                        {
                            long ih = i * s[0] - p[0] + a;
                            for (int b = 0; b < kw; b++, t++)
                            {
                                long iw = j * s[1] - p[1] + b;
                                col[row + t] = ih < 0 || ih >= h || iw < 0 || iw >= w ? 0.0 : x.Data[((ni * c + ci) * h + ih) * w + iw];
                            }
                        }
                }
            });
            int oBlocks = (o + 1) / 2;
            Parallel.For(0, oBlocks, po, ob =>
            {
                int o0 = ob * 2, o1 = Math.Min(o0 + 1, o - 1);
                var w0 = new ReadOnlySpan<double>(wPacked, o0 * kp, kp);
                var w1 = new ReadOnlySpan<double>(wPacked, o1 * kp, kp);
                var out0 = new Span<double>(r, (ni * o + o0) * positions, positions);
                var out1 = new Span<double>(r, (ni * o + o1) * positions, positions);
                int q = 0;
                for (; q + 4 <= positions; q += 4)
                {
                    var c0 = new ReadOnlySpan<double>(col, q * kp, kp);
                    var c1 = new ReadOnlySpan<double>(col, (q + 1) * kp, kp);
                    var c2 = new ReadOnlySpan<double>(col, (q + 2) * kp, kp);
                    var c3 = new ReadOnlySpan<double>(col, (q + 3) * kp, kp);
                    Vector<double> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
                    for (int t = 0; t < kp; t += vw)
                    {
                        var x0 = new Vector<double>(w0[t..]);
                        var x1 = new Vector<double>(w1[t..]);
                        var y0 = new Vector<double>(c0[t..]);
                        var y1 = new Vector<double>(c1[t..]);
                        var y2 = new Vector<double>(c2[t..]);
                        var y3 = new Vector<double>(c3[t..]);
                        a00 += x0 * y0; a01 += x0 * y1; a02 += x0 * y2; a03 += x0 * y3;
                        a10 += x1 * y0; a11 += x1 * y1; a12 += x1 * y2; a13 += x1 * y3;
                    }
                    out0[q] = Vector.Sum(a00); out0[q + 1] = Vector.Sum(a01); out0[q + 2] = Vector.Sum(a02); out0[q + 3] = Vector.Sum(a03);
                    out1[q] = Vector.Sum(a10); out1[q + 1] = Vector.Sum(a11); out1[q + 2] = Vector.Sum(a12); out1[q + 3] = Vector.Sum(a13);
                }
                for (; q < positions; q++)
                {
                    var cq = new ReadOnlySpan<double>(col, q * kp, kp);
                    Vector<double> a0 = default, a1 = default;
                    for (int t = 0; t < kp; t += vw)
                    {
                        var y = new Vector<double>(cq[t..]);
                        a0 += new Vector<double>(w0[t..]) * y;
                        a1 += new Vector<double>(w1[t..]) * y;
                    }
                    out0[q] = Vector.Sum(a0);
                    out1[q] = Vector.Sum(a1);
                }
                if (bias is not null)
                {
                    for (int i = 0; i < positions; i++) out0[i] += bias.Data[o0];
                    if (o1 != o0) for (int i = 0; i < positions; i++) out1[i] += bias.Data[o1];
                }
            });
        }
        return new DTensor(r, new[] { n, o, oh, ow });
    }
}
