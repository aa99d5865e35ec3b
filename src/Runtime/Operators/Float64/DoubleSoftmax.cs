namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>Softmax (mode 0), LogSoftmax (1) and Hardmax (2) of one strided row, in double.</summary>
internal static class DoubleSoftmax
{
    public static void Row(ReadOnlySpan<double> a, Span<double> b, long baseIdx, long len, long inner, int mode)
    {
        double max = double.NegativeInfinity;
        long arg = 0;
        for (long k = 0; k < len; k++)
        {
            double v = a[(int)(baseIdx + k * inner)];
            if (v > max || (double.IsNaN(v) && !double.IsNaN(max))) { max = v; arg = k; }
        }
        if (mode == 2)
        {
            for (long k = 0; k < len; k++) b[(int)(baseIdx + k * inner)] = k == arg ? 1 : 0;
            return;
        }
        double sum = 0;
        for (long k = 0; k < len; k++) sum += Math.Exp(a[(int)(baseIdx + k * inner)] - max);
        double logSum = Math.Log(sum);
        for (long k = 0; k < len; k++)
        {
            int at = (int)(baseIdx + k * inner);
            b[at] = mode == 0 ? Math.Exp(a[at] - max) / sum : a[at] - max - logSum;
        }
    }
}
