using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Float32 linear or nearest Resize of the last two axes (bilinear upsampling in segmentation heads, nearest
/// 2x upsampling in detection FPNs), plane by plane; nearest is the two-tap form with weights (1, 0).
/// The arithmetic is <see cref="Resize"/>'s general path exactly: the height pass then the width pass, each
/// output 0 + w0·a + w1·b in double with zero weights skipped, rounded to float once; but per output row
/// instead of through whole-tensor double copies and per-element weight lists. Planes are independent, so
/// splitting them across threads changes nothing in the result. Nearest picks values without the arithmetic.
/// </summary>
internal sealed class ResizePlanes
{
    /// <summary>
    /// For each output index along one axis: the two source indices and their weights. Identity: the general
    /// path skips the axis, so values pass untouched (-0 stays -0, which 0 + 1·a would not keep).
    /// </summary>
    public readonly record struct Taps(int[] I0, double[] W0, int[] I1, double[] W1, bool Identity);

    public static void Run(float[] x, float[] y, int planes, int ih, int iw, Taps rows, Taps columns, in KernelTarget target)
    {
        long outputs = (long)rows.I0.Length * columns.I0.Length;
        if (Picks(rows) && Picks(columns))
            ParallelRanges.Run(planes, outputs * ParallelWork.CopiedValueCost, target, new NearestPlanes(x, y, ih, iw, rows, columns));
        else
            ParallelRanges.Run(planes, outputs * ParallelWork.ResampledValueCost, target, new Planes(x, y, ih, iw, rows, columns));
    }

    /// <summary>Every output along the axis is one source value with weight 1 (nearest, or the identity).</summary>
    private static bool Picks(Taps t)
    {
        if (t.Identity) return true;
        for (int i = 0; i < t.W0.Length; i++)
            if (t.W0[i] != 1 || t.W1[i] != 0) return false;
        return true;
    }

    private readonly struct Planes(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns) : IRangeWork
    {
        public void Run(int first, int count) => Resample(x, y, ih, iw, rows, columns, first, count);
    }

    private readonly struct NearestPlanes(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns) : IRangeWork
    {
        public void Run(int first, int count) => Pick(x, y, ih, iw, rows, columns, first, count);
    }

    /// <summary>
    /// Nearest without the double passes (PP-OCRv4 det's FPN: 7 ms of 63 at one thread through them): the general
    /// path computes 0 + 1·v, which is v except that -0 becomes +0, and so does v + 0f, so the bits are the same.
    /// An output row whose source row is the previous one's is a copy of that output row.
    /// </summary>
    private static void Pick(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns, int start, int count)
    {
        int oh = rows.I0.Length, ow = columns.I0.Length;
        bool exact = rows.Identity && columns.Identity; // the general path skips both axes: values pass untouched
        var at = columns.I0;
        for (int p = start; p < start + count; p++)
        {
            int src = p * ih * iw, dst = p * oh * ow;
            for (int o = 0; o < oh; o++)
            {
                int d = dst + o * ow;
                if (o > 0 && rows.I0[o] == rows.I0[o - 1])
                {
                    Array.Copy(y, d - ow, y, d, ow);
                    continue;
                }
                int a = src + rows.I0[o] * iw;
                if (exact) Array.Copy(x, a, y, d, ow);
                else
                    for (int j = 0; j < ow; j++) y[d + j] = x[a + at[j]] + 0f;
            }
        }
    }

    private static void Resample(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns, int start, int count)
    {
        int oh = rows.I0.Length, ow = columns.I0.Length;
        var row = new double[iw];
        for (int p = start; p < start + count; p++)
        {
            int src = p * ih * iw, dst = p * oh * ow;
            for (int o = 0; o < oh; o++)
            {
                int a = src + rows.I0[o] * iw, b = src + rows.I1[o] * iw;
                double wa = rows.W0[o], wb = rows.W1[o];
                for (int j = 0; j < iw; j++)
                {
                    if (rows.Identity)
                    {
                        row[j] = x[a + j];
                        continue;
                    }
                    double v = 0;
                    if (wa != 0) v += wa * x[a + j];
                    if (wb != 0) v += wb * x[b + j];
                    row[j] = v;
                }
                int d = dst + o * ow;
                for (int j = 0; j < ow; j++)
                {
                    if (columns.Identity)
                    {
                        y[d + j] = (float)row[j];
                        continue;
                    }
                    double v = 0;
                    if (columns.W0[j] != 0) v += columns.W0[j] * row[columns.I0[j]];
                    if (columns.W1[j] != 0) v += columns.W1[j] * row[columns.I1[j]];
                    y[d + j] = (float)v;
                }
            }
        }
    }
}
