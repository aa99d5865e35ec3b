using System.Numerics;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// The statistics kernel behind Instance/Layer/GroupNormalization: mean and 1/σ of contiguous blocks, in double.
/// One generic form for float32 and double (the float64 reference and double models): the statistics are summed
/// in double either way, and float32 results are rounded once.
/// </summary>
internal static class Normalize
{
    /// <summary>Writes y = (x − μ)/σ per block of <paramref name="size"/> elements; returns each block's mean and 1/σ.
    /// The callers apply their scale and bias afterwards.</summary>
    public static (T[] Mean, T[] InvStd) Blocks<T>(ReadOnlySpan<T> x, Span<T> y, int blocks, int size, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var means = new T[blocks];
        var invs = new T[blocks];
        BlockRange(x, y, 0, blocks, size, epsilon, means, invs);
        return (means, invs);
    }

    /// <summary>Blocks [first, first + count) of <see cref="Blocks{T}"/>, each block's statistics into means/invs
    /// (a range is the unit split across threads; a block's arithmetic does not depend on the range).</summary>
    public static void BlockRange<T>(ReadOnlySpan<T> x, Span<T> y, int first, int count, int size, double epsilon, T[] means, T[] invs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int bl = first; bl < first + count; bl++)
        {
            var src = x.Slice(bl * size, size);
            var dst = y.Slice(bl * size, size);
            double s = 0;
            foreach (T v in src) s += double.CreateTruncating(v);
            double m = size == 0 ? 0 : s / size;
            double sq = 0;
            foreach (T v in src) { double d = double.CreateTruncating(v) - m; sq += d * d; }
            double inv = 1.0 / Math.Sqrt((size == 0 ? 0 : sq / size) + epsilon);
            means[bl] = T.CreateTruncating(m);
            invs[bl] = T.CreateTruncating(inv);
            for (int i = 0; i < size; i++) dst[i] = T.CreateTruncating((double.CreateTruncating(src[i]) - m) * inv);
        }
    }

    /// <summary>y = y·scale + bias on runs of <paramref name="run"/> elements that share one scale/bias value, cycling
    /// through them; in the element type's own arithmetic.</summary>
    public static void AffinePerRun<T>(Span<T> y, int run, ReadOnlySpan<T> scale, ReadOnlySpan<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int runs = run == 0 ? 0 : y.Length / run;
        for (int r = 0; r < runs; r++)
        {
            T s = scale[r % scale.Length], b = bias.IsEmpty ? T.Zero : bias[r % bias.Length];
            var seg = y.Slice(r * run, run);
            for (int i = 0; i < seg.Length; i++) seg[i] = seg[i] * s + b;
        }
    }
}
