namespace OnnxNorm.Runtime.Operators;

/// <summary>The statistics kernel behind Instance/Layer/GroupNormalization: mean and 1/σ of contiguous blocks, in double.</summary>
internal static class Normalize
{
    /// <summary>Writes y = (x − μ)/σ per block of <paramref name="size"/> elements; returns each block's mean and 1/σ.
    /// The callers apply their scale and bias afterwards.</summary>
    public static (float[] Mean, float[] InvStd) Blocks(ReadOnlySpan<float> x, Span<float> y, int blocks, int size, float epsilon)
    {
        var means = new float[blocks];
        var invs = new float[blocks];
        for (int bl = 0; bl < blocks; bl++)
        {
            var src = x.Slice(bl * size, size);
            var dst = y.Slice(bl * size, size);
            double s = 0;
            foreach (float v in src) s += v;
            double m = size == 0 ? 0 : s / size;
            double sq = 0;
            foreach (float v in src) sq += (v - m) * (v - m);
            double inv = 1.0 / Math.Sqrt((size == 0 ? 0 : sq / size) + epsilon);
            means[bl] = (float)m;
            invs[bl] = (float)inv;
            for (int i = 0; i < size; i++) dst[i] = (float)((src[i] - m) * inv);
        }
        return (means, invs);
    }

    /// <summary>The double form of the float32 Blocks above (the float64 reference and double models).</summary>
    public static (double[] Mean, double[] InvStd) Blocks(ReadOnlySpan<double> x, Span<double> y, int blocks, int size, double epsilon)
    {
        var means = new double[blocks];
        var invs = new double[blocks];
        for (int bl = 0; bl < blocks; bl++)
        {
            var src = x.Slice(bl * size, size);
            var dst = y.Slice(bl * size, size);
            double s = 0;
            foreach (double v in src) s += v;
            double m = size == 0 ? 0 : s / size;
            double sq = 0;
            foreach (double v in src) sq += (v - m) * (v - m);
            double inv = 1.0 / Math.Sqrt((size == 0 ? 0 : sq / size) + epsilon);
            means[bl] = m;
            invs[bl] = inv;
            for (int i = 0; i < size; i++) dst[i] = (src[i] - m) * inv;
        }
        return (means, invs);
    }

    public static void AffinePerRun(Span<double> y, int run, ReadOnlySpan<double> scale, ReadOnlySpan<double> bias)
    {
        int runs = run == 0 ? 0 : y.Length / run;
        for (int r = 0; r < runs; r++)
        {
            double s = scale[r % scale.Length], b = bias.IsEmpty ? 0 : bias[r % bias.Length];
            var seg = y.Slice(r * run, run);
            for (int i = 0; i < seg.Length; i++) seg[i] = seg[i] * s + b;
        }
    }

    /// <summary>y = y·scale + bias on runs of <paramref name="run"/> elements that share one scale/bias value, cycling through them.</summary>
    public static void AffinePerRun(Span<float> y, int run, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias)
    {
        int runs = run == 0 ? 0 : y.Length / run;
        for (int r = 0; r < runs; r++)
        {
            float s = scale[r % scale.Length], b = bias.IsEmpty ? 0 : bias[r % bias.Length];
            var seg = y.Slice(r * run, run);
            for (int i = 0; i < seg.Length; i++) seg[i] = seg[i] * s + b;
        }
    }
}
