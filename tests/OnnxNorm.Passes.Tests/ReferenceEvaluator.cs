using OnnxNorm.Ir;
using OnnxGraph = OnnxNorm.Ir.Graph;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// A deliberately naive evaluator in double for the handful of ops the fold tests use (Conv, ConvTranspose,
/// Gemm, MatMul, BatchNormalization, Relu, Add, Mul, Identity, Flatten, Constant, If). It shares no code
/// with the passes, so "original and folded models compute the same" is checked by independent arithmetic.
/// </summary>
internal static class ReferenceEvaluator
{
    internal sealed record Array(long[] Dims, double[] Data)
    {
        public long Count => Data.Length;
    }

    public static Dictionary<string, Array> Run(Model model, IReadOnlyDictionary<string, Array> feeds)
    {
        var env = new Dictionary<Value, Array>();
        var g = model.Graph;
        foreach (var v in g.Inputs)
            if (feeds.TryGetValue(v.Name, out var a)) env[v] = a;
        RunGraph(g, env);
        return g.Outputs.ToDictionary(v => v.Name, v => env[v]);
    }

    private static void RunGraph(OnnxGraph g, Dictionary<Value, Array> env)
    {
        foreach (var v in g.Initializers)
            if (!env.ContainsKey(v)) env[v] = new Array(v.Initializer!.Dims, v.Initializer.ToDoubles());
        foreach (var n in g.Nodes)
        {
            var outs = Eval(n, env);
            for (int i = 0; i < outs.Length; i++)
                if (n.Output(i) is { } o) env[o] = outs[i];
        }
    }

    private static Array In(Node n, int i, Dictionary<Value, Array> env) => env[n.Input(i) ?? throw new InvalidOperationException($"{n.Describe()} input {i} missing")];

    private static Array[] Eval(Node n, Dictionary<Value, Array> env)
    {
        switch (n.OpType)
        {
            case "Constant": { var t = n.ConstantValue()!; return new[] { new Array(t.Dims, t.ToDoubles()) }; }
            case "Identity": return new[] { In(n, 0, env) };
            case "Relu": { var x = In(n, 0, env); return new[] { new Array(x.Dims, x.Data.Select(v => Math.Max(v, 0)).ToArray()) }; }
            case "Add": return new[] { Broadcast(In(n, 0, env), In(n, 1, env), (a, b) => a + b) };
            case "Mul": return new[] { Broadcast(In(n, 0, env), In(n, 1, env), (a, b) => a * b) };
            case "Flatten": { var x = In(n, 0, env); return new[] { new Array(new[] { x.Dims[0], x.Count / x.Dims[0] }, x.Data) }; }
            case "Conv": return new[] { Conv(n, env) };
            case "ConvTranspose": return new[] { ConvTranspose(n, env) };
            case "Gemm": return new[] { Gemm(n, env) };
            case "MatMul": return new[] { MatMul(In(n, 0, env), In(n, 1, env)) };
            case "BatchNormalization": return new[] { BatchNorm(n, env) };
            case "If":
            {
                bool cond = In(n, 0, env).Data[0] != 0;
                var branch = n.Subgraphs[cond ? "then_branch" : "else_branch"];
                var inner = new Dictionary<Value, Array>(env);
                RunGraph(branch, inner);
                return branch.Outputs.Select(o => inner[o]).ToArray();
            }
            default: throw new NotSupportedException($"reference evaluator: {n.OpType}");
        }
    }

    private static Array Broadcast(Array a, Array b, Func<double, double, double> f)
    {
        int rank = Math.Max(a.Dims.Length, b.Dims.Length);
        long[] Pad(long[] d) => Enumerable.Repeat(1L, rank - d.Length).Concat(d).ToArray();
        long[] da = Pad(a.Dims), db = Pad(b.Dims);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++) dims[i] = Math.Max(da[i], db[i]);
        long count = dims.Aggregate(1L, (x, y) => x * y);
        var r = new double[count];
        var idx = new long[rank];
        for (long k = 0; k < count; k++)
        {
            long rem = k;
            for (int i = rank - 1; i >= 0; i--) { idx[i] = rem % dims[i]; rem /= dims[i]; }
            long ia = 0, ib = 0;
            for (int i = 0; i < rank; i++)
            {
                ia = ia * da[i] + (da[i] == 1 ? 0 : idx[i]);
                ib = ib * db[i] + (db[i] == 1 ? 0 : idx[i]);
            }
            r[k] = f(a.Data[ia], b.Data[ib]);
        }
        return new Array(dims, r);
    }

    private static Array BatchNorm(Node n, Dictionary<Value, Array> env)
    {
        var x = In(n, 0, env);
        double[] scale = In(n, 1, env).Data, bias = In(n, 2, env).Data, mean = In(n, 3, env).Data, var = In(n, 4, env).Data;
        double eps = n.GetFloat("epsilon", 1e-5f);
        long c = x.Dims[1], inner = x.Count / x.Dims[0] / c;
        var r = new double[x.Count];
        for (long i = 0; i < x.Count; i++)
        {
            long ch = i / inner % c;
            // Per-activation parameters ([C, D...]) index by position too.
            long p = scale.Length == c ? ch : i % (c * inner);
            r[i] = (x.Data[i] - mean[p]) / Math.Sqrt(var[p] + eps) * scale[p] + bias[p];
        }
        return new Array(x.Dims, r);
    }

    private static Array Gemm(Node n, Dictionary<Value, Array> env)
    {
        var a = In(n, 0, env); var b = In(n, 1, env);
        bool ta = n.GetInt("transA", 0) != 0, tb = n.GetInt("transB", 0) != 0;
        double alpha = n.GetFloat("alpha", 1f), beta = n.GetFloat("beta", 1f);
        long m = ta ? a.Dims[1] : a.Dims[0], k = ta ? a.Dims[0] : a.Dims[1], nn = tb ? b.Dims[0] : b.Dims[1];
        var r = new double[m * nn];
        for (long i = 0; i < m; i++)
            for (long j = 0; j < nn; j++)
            {
                double s = 0;
                for (long q = 0; q < k; q++)
                    s += (ta ? a.Data[q * m + i] : a.Data[i * k + q]) * (tb ? b.Data[j * k + q] : b.Data[q * nn + j]);
                r[i * nn + j] = alpha * s;
            }
        var y = new Array(new[] { m, nn }, r);
        if (n.Input(2) is null) return y;
        var c = In(n, 2, env);
        return Broadcast(y, new Array(c.Dims, c.Data.Select(v => v * beta).ToArray()), (p, q) => p + q);
    }

    private static Array MatMul(Array a, Array b)
    {
        long m = a.Dims[^2], k = a.Dims[^1], nn = b.Dims[1];
        long batch = a.Count / (m * k);
        var r = new double[batch * m * nn];
        for (long bt = 0; bt < batch; bt++)
            for (long i = 0; i < m; i++)
                for (long j = 0; j < nn; j++)
                {
                    double s = 0;
                    for (long q = 0; q < k; q++) s += a.Data[bt * m * k + i * k + q] * b.Data[q * nn + j];
                    r[bt * m * nn + i * nn + j] = s;
                }
        return new Array(a.Dims[..^1].Append(nn).ToArray(), r);
    }

    private static (long[] Kernel, long[] Strides, long[] Dilations, long[] PadBegin, long[] Out) Geometry(Node n, long[] inSpatial, long[] kernel)
    {
        int s = inSpatial.Length;
        long[] strides = n.GetInts("strides") ?? Enumerable.Repeat(1L, s).ToArray();
        long[] dil = n.GetInts("dilations") ?? Enumerable.Repeat(1L, s).ToArray();
        long[] pads = n.GetInts("pads") ?? new long[2 * s];
        string autoPad = n.GetString("auto_pad", "NOTSET");
        var begin = new long[s]; var outDims = new long[s];
        for (int i = 0; i < s; i++)
        {
            long extent = dil[i] * (kernel[i] - 1) + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                outDims[i] = (inSpatial[i] + strides[i] - 1) / strides[i];
                long total = Math.Max((outDims[i] - 1) * strides[i] + extent - inSpatial[i], 0);
                begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            }
            else if (autoPad == "VALID") { begin[i] = 0; outDims[i] = (inSpatial[i] - extent) / strides[i] + 1; }
            else { begin[i] = pads[i]; outDims[i] = (inSpatial[i] + pads[i] + pads[i + s] - extent) / strides[i] + 1; }
        }
        return (kernel, strides, dil, begin, outDims);
    }

    private static Array Conv(Node n, Dictionary<Value, Array> env)
    {
        var x = In(n, 0, env); var w = In(n, 1, env);
        double[]? bias = n.Input(2) is null ? null : In(n, 2, env).Data;
        long group = n.GetInt("group", 1);
        long batch = x.Dims[0], cin = x.Dims[1], cout = w.Dims[0], cinG = w.Dims[1];
        var inSp = x.Dims[2..]; var kSp = w.Dims[2..];
        var (_, strides, dil, begin, outSp) = Geometry(n, inSp, kSp);
        int s = inSp.Length;
        long inSize = inSp.Aggregate(1L, (a, d) => a * d), outSize = outSp.Aggregate(1L, (a, d) => a * d), kSize = kSp.Aggregate(1L, (a, d) => a * d);
        var r = new double[batch * cout * outSize];
        var op = new long[s]; var kp = new long[s];
        for (long b = 0; b < batch; b++)
            for (long o = 0; o < cout; o++)
            {
                long g = o / (cout / group);
                for (long oi = 0; oi < outSize; oi++)
                {
                    Unravel(oi, outSp, op);
                    double acc = bias?[o] ?? 0;
                    for (long i = 0; i < cinG; i++)
                    {
                        long ci = g * cinG + i;
                        for (long ki = 0; ki < kSize; ki++)
                        {
                            Unravel(ki, kSp, kp);
                            long flat = 0; bool inside = true;
                            for (int d = 0; d < s; d++)
                            {
                                long pos = op[d] * strides[d] + kp[d] * dil[d] - begin[d];
                                if (pos < 0 || pos >= inSp[d]) { inside = false; break; }
                                flat = flat * inSp[d] + pos;
                            }
                            if (inside) acc += x.Data[(b * cin + ci) * inSize + flat] * w.Data[(o * cinG + i) * kSize + ki];
                        }
                    }
                    r[(b * cout + o) * outSize + oi] = acc;
                }
            }
        return new Array(new[] { batch, cout }.Concat(outSp).ToArray(), r);
    }

    private static Array ConvTranspose(Node n, Dictionary<Value, Array> env)
    {
        var x = In(n, 0, env); var w = In(n, 1, env);
        double[]? bias = n.Input(2) is null ? null : In(n, 2, env).Data;
        long group = n.GetInt("group", 1);
        long batch = x.Dims[0], cin = x.Dims[1], coutG = w.Dims[1], cout = coutG * group, cinG = cin / group;
        var inSp = x.Dims[2..]; var kSp = w.Dims[2..];
        int s = inSp.Length;
        long[] strides = n.GetInts("strides") ?? Enumerable.Repeat(1L, s).ToArray();
        long[] dil = n.GetInts("dilations") ?? Enumerable.Repeat(1L, s).ToArray();
        long[] pads = n.GetInts("pads") ?? new long[2 * s];
        var outSp = new long[s];
        for (int d = 0; d < s; d++) outSp[d] = strides[d] * (inSp[d] - 1) + dil[d] * (kSp[d] - 1) + 1 - pads[d] - pads[d + s];
        long inSize = inSp.Aggregate(1L, (a, d) => a * d), outSize = outSp.Aggregate(1L, (a, d) => a * d), kSize = kSp.Aggregate(1L, (a, d) => a * d);
        var r = new double[batch * cout * outSize];
        var ip = new long[s]; var kp = new long[s];
        for (long b = 0; b < batch; b++)
        {
            if (bias is not null) for (long o = 0; o < cout; o++) for (long q = 0; q < outSize; q++) r[(b * cout + o) * outSize + q] = bias[o];
            for (long ci = 0; ci < cin; ci++)
            {
                long g = ci / cinG;
                for (long ii = 0; ii < inSize; ii++)
                {
                    Unravel(ii, inSp, ip);
                    double xv = x.Data[(b * cin + ci) * inSize + ii];
                    for (long j = 0; j < coutG; j++)
                        for (long ki = 0; ki < kSize; ki++)
                        {
                            Unravel(ki, kSp, kp);
                            long flat = 0; bool inside = true;
                            for (int d = 0; d < s; d++)
                            {
                                long pos = ip[d] * strides[d] + kp[d] * dil[d] - pads[d];
                                if (pos < 0 || pos >= outSp[d]) { inside = false; break; }
                                flat = flat * outSp[d] + pos;
                            }
                            if (inside) r[(b * cout + g * coutG + j) * outSize + flat] += xv * w.Data[(ci * coutG + j) * kSize + ki];
                        }
                }
            }
        }
        return new Array(new[] { batch, cout }.Concat(outSp).ToArray(), r);
    }

    private static void Unravel(long index, long[] dims, long[] into)
    {
        for (int d = dims.Length - 1; d >= 0; d--) { into[d] = index % dims[d]; index /= dims[d]; }
    }
}
