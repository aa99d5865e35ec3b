using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// BatchNormalization, every opset form:
/// <list type="bullet">
/// <item>inference: Y = (X − mean) / √(var + ε) · scale + B, per channel (dim 1); X of rank ≥ 2;</item>
/// <item>training, opset 14/15 (training_mode = 1): batch statistics normalise Y, and the optional outputs
/// running_mean/var = input·momentum + batch·(1 − momentum) (population variance);</item>
/// <item>training, opset 6-9 (is_test = 0 in opset 6, or optional outputs requested in 7/9): same Y and running
/// mean/var outputs; saved_mean/saved_var are rejected as not supported.</item>
/// </list>
/// spatial = 0 (opset &lt; 9) is rejected. float16 is computed in float32, double in double; statistics accumulate in double.
/// </summary>
internal sealed class BatchNormalization : IOperator
{
    private readonly float _epsilon;
    private readonly float _momentum;
    private readonly bool _training;
    private readonly double[]? _a;
    private readonly double[]? _b;
    // A Relu the plan fused into this node (pre-activation networks: DenseNet's BN + Relu before every Conv).
    private readonly bool _relu;

    private BatchNormalization(float epsilon, float momentum, bool training, double[]? a, double[]? b, bool relu)
    {
        _relu = relu;
        _epsilon = epsilon;
        _momentum = momentum;
        _training = training;
        _a = a;
        _b = b;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        long opset = n.Opset;
        n.OnlyAttributes("epsilon", "momentum", "spatial", "is_test", "training_mode", "consumed_inputs");
        if (n.Int("spatial", 1) != 1) throw n.Error("spatial = 0 is not supported by the native executor");
        int outputs = n.Node.Outputs.Count(o => o is not null && o.Name.Length > 0);
        bool training = BatchNormMode.Of(n.Node).IsTraining;
        if (opset >= 14 && n.Int("training_mode", 0) == 0 && outputs > 1)
            throw n.Error("running_mean/running_var outputs are only defined with training_mode = 1");
        if (opset < 14)
            for (int i = 3; i < n.Node.Outputs.Count; i++)
                if (n.Node.Output(i) is { Name.Length: > 0 })
                    throw n.Error("the saved_mean/saved_var outputs of training-mode BatchNormalization are not supported");
        float eps = n.Float("epsilon", 1e-5f);
        if (!(eps >= 0)) throw n.Error($"epsilon must be non-negative, not {eps}");
        float momentum = n.Float("momentum", 0.9f);
        double[]? a = null, b = null;
        if (!training && n.Constant(1) is { ElementType: ElementType.Float } s && n.Constant(2) is { ElementType: ElementType.Float } bias
            && n.Constant(3) is { ElementType: ElementType.Float } mean && n.Constant(4) is { ElementType: ElementType.Float } v
            && s.Length == bias.Length && s.Length == mean.Length && s.Length == v.Length)
            (a, b) = Fold(s.AsSpan<float>(), bias.AsSpan<float>(), mean.AsSpan<float>(), v.AsSpan<float>(), eps);
        return new BatchNormalization(eps, momentum, training, a, b, n.FusedActivation.Kind == FusedActivation.Relu);
    }, includeDouble: false);

    /// <summary>
    /// The per-channel a, b of the inference form Y = X·a + b (also what the plan folds into a Conv), kept in double:
    /// rounded to float they would add the same error to every element of a channel, a bias that pooling keeps.
    /// </summary>
    internal static (double[] A, double[] B) Fold(ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, ReadOnlySpan<float> mean, ReadOnlySpan<float> var, double eps)
    {
        var a = new double[scale.Length];
        var b = new double[scale.Length];
        for (int c = 0; c < a.Length; c++)
        {
            a[c] = scale[c] / Math.Sqrt(var[c] + eps);
            b[c] = bias[c] - mean[c] * a[c];
        }
        return (a, b);
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double)) throw new BadInputException($"{desc}: BatchNormalization does not support {x.ElementType.Name()} input");
        if (x.Rank < 2) throw new BadInputException($"{desc}: input X has rank {x.Rank}; BatchNormalization needs [N, C, ...]");
        if (x.ElementType == ElementType.Double)
        {
            var yd = Float64.DoubleBatchNorm.Run(ctx, x, _training, _epsilon, _momentum).AsSpan<double>();
            if (_relu) foreach (ref double v in yd) v = ReluOperator.Of(v);
            return;
        }
        int n = (int)x.Shape[0], c = (int)x.Shape[1];
        int inner = (int)Shapes.Size(x.Shape, 2);
        var scale = ctx.Required(1);
        var bias = ctx.Required(2);
        var mean = ctx.Required(3);
        var variance = ctx.Required(4);
        foreach (var (t, name) in new[] { (scale, "scale"), (bias, "B"), (mean, "mean"), (variance, "var") })
            if (t.Length != c || t.Rank != 1) throw new BadInputException($"{desc}: {name} has shape [{string.Join(',', t.Shape)}], expected [{c}]");
        var y = ctx.Output(0, ElementType.Float, x.Shape);
        var xs = x.AsSpan<float>();
        var ys = y.AsSpan<float>();
        double[] a, b;
        if (!_training)
        {
            if (_a is not null) (a, b) = (_a, _b!);
            else (a, b) = Fold(scale.AsSpan<float>(), bias.AsSpan<float>(), mean.AsSpan<float>(), variance.AsSpan<float>(), _epsilon);
        }
        else
        {
            var bm = new double[c];
            var bv = new double[c];
            long count = (long)n * inner;
            for (int ch = 0; ch < c; ch++)
            {
                double s = 0;
                for (int img = 0; img < n; img++)
                    foreach (float v in xs.Slice((img * c + ch) * inner, inner)) s += v;
                double m = count == 0 ? 0 : s / count;
                double sq = 0;
                for (int img = 0; img < n; img++)
                    foreach (float v in xs.Slice((img * c + ch) * inner, inner)) sq += (v - m) * (v - m);
                bm[ch] = m;
                bv[ch] = count == 0 ? 0 : sq / count;
            }
            var batchMean = bm.Select(v => (float)v).ToArray();
            var batchVar = bv.Select(v => (float)v).ToArray();
            (a, b) = Fold(scale.AsSpan<float>(), bias.AsSpan<float>(), batchMean, batchVar, _epsilon);
            if (ctx.WantsOutput(1))
            {
                var rm = ctx.Output(1, ElementType.Float, new long[] { c }).AsSpan<float>();
                var im = mean.AsSpan<float>();
                for (int ch = 0; ch < c; ch++) rm[ch] = (float)(im[ch] * (double)_momentum + bm[ch] * (1 - (double)_momentum));
            }
            if (ctx.WantsOutput(2))
            {
                var rv = ctx.Output(2, ElementType.Float, new long[] { c }).AsSpan<float>();
                var iv = variance.AsSpan<float>();
                for (int ch = 0; ch < c; ch++) rv[ch] = (float)(iv[ch] * (double)_momentum + bv[ch] * (1 - (double)_momentum));
            }
        }
        // One plane per (image, channel); planes split across threads when the tensor is large.
        var xa = (float[])x.Buffer;
        var ya = (float[])y.Buffer;
        int planes = n * c;
        ParallelRanges.Run(planes * Math.Max(inner, 1), ParallelWork.StreamedValueCost, ctx.Kernels,
            new Values(xa, ya, a, b, planes, c, inner, _relu), align: 16);
    }

    // Values [start, start + len) of the output: the pieces of the planes they overlap, each scaled and shifted with the
    // fused Relu in the same pass (the standalone Relu's rule, so its bits).
    private readonly struct Values(float[] xa, float[] ya, double[] a, double[] b, int planes, int c, int inner, bool relu) : IRangeWork
    {
        public void Run(int start, int len)
        {
            int p0 = start / Math.Max(inner, 1), p1 = Math.Min(planes, (start + len + inner - 1) / Math.Max(inner, 1));
            for (int p = p0; p < p1; p++)
            {
                int off = p * inner, from = Math.Max(off, start), to = Math.Min(off + inner, start + len);
                if (to <= from) continue;
                FloatKernels.ScaleShift(xa.AsSpan(from, to - from), ya.AsSpan(from, to - from), a[p % c], b[p % c], relu);
            }
        }
    }
}
