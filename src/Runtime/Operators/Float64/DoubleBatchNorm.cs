using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>BatchNormalization in double: y = (x − μ)·γ/√(σ² + ε) + β per channel; training mode with batch statistics.</summary>
internal static class DoubleBatchNorm
{
    /// <summary>Computes Y and returns it (a fused Relu is applied to it by the caller).</summary>
    public static TensorValue Run(OpContext ctx, TensorValue x, bool training, double epsilon, double momentum)
    {
        int n = (int)x.Shape[0], c = (int)x.Shape[1], inner = (int)Shapes.Size(x.Shape, 2);
        var scale = Doubles(ctx, 1, c);
        var bias = Doubles(ctx, 2, c);
        var mean = Doubles(ctx, 3, c);
        var variance = Doubles(ctx, 4, c);
        var xs = x.AsSpan<double>();
        var y = ctx.Output(0, ElementType.Double, x.Shape);
        var ys = y.AsSpan<double>();
        var m = mean;
        var v = variance;
        if (training)
        {
            m = new double[c];
            v = new double[c];
            long count = (long)n * inner;
            for (int ch = 0; ch < c; ch++)
            {
                double s = 0, sq = 0;
                for (int img = 0; img < n; img++) foreach (double e in xs.Slice((img * c + ch) * inner, inner)) s += e;
                m[ch] = count == 0 ? 0 : s / count;
                for (int img = 0; img < n; img++) foreach (double e in xs.Slice((img * c + ch) * inner, inner)) sq += (e - m[ch]) * (e - m[ch]);
                v[ch] = count == 0 ? 0 : sq / count;
            }
            if (ctx.WantsOutput(1))
            {
                var rm = ctx.Output(1, ElementType.Double, new long[] { c }).AsSpan<double>();
                for (int ch = 0; ch < c; ch++) rm[ch] = mean[ch] * momentum + m[ch] * (1 - momentum);
            }
            if (ctx.WantsOutput(2))
            {
                var rv = ctx.Output(2, ElementType.Double, new long[] { c }).AsSpan<double>();
                for (int ch = 0; ch < c; ch++) rv[ch] = variance[ch] * momentum + v[ch] * (1 - momentum);
            }
        }
        for (int img = 0; img < n; img++)
            for (int ch = 0; ch < c; ch++)
            {
                double a = scale[ch] / Math.Sqrt(v[ch] + epsilon), mu = m[ch], b = bias[ch];
                int off = (img * c + ch) * inner;
                for (int i = off; i < off + inner; i++) ys[i] = (xs[i] - mu) * a + b;
            }
        return y;
    }

    private static double[] Doubles(OpContext ctx, int input, int channels)
    {
        var t = ctx.Required(input);
        if (t.ElementType != ElementType.Double) throw new BadInputException($"{ctx.Node.Describe()}: input {input} is {t.ElementType.Name()}, X is double");
        if (t.Length != channels || t.Rank != 1) throw new BadInputException($"{ctx.Node.Describe()}: input {input} has shape [{string.Join(',', t.Shape)}], expected [{channels}]");
        return t.AsSpan<double>().ToArray();
    }
}
