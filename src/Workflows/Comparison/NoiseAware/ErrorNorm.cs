using OnnxNorm.Ir;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// How far one tensor is from the float64 reference R: the root-mean-square and the largest absolute error over the
/// elements both hold as finite numbers, and how many elements disagree on NaN/infinity. Absolute errors, so a
/// score (an error divided by a floor measured on the same output) does not depend on the output's scale: a change
/// is as visible in an output of size 1e-4 as in one of size 1.
/// </summary>
public readonly record struct ErrorNorm(double Rms, double Max, long NonFiniteMismatches)
{
    /// <summary>No error.</summary>
    public static ErrorNorm Zero => new(0, 0, 0);

    /// <summary>The error of <paramref name="x"/> against reference <paramref name="r"/>.</summary>
    public static ErrorNorm Measure(ReadOnlySpan<double> x, ReadOnlySpan<double> r)
    {
        if (x.Length != r.Length) throw new ArgumentException("the tensors differ in size");
        double sumSq = 0, max = 0;
        long finite = 0, mismatches = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = r[i];
            if (!double.IsFinite(a) || !double.IsFinite(b))
            {
                // Equal NaNs and equal infinities agree.
                if (!(double.IsNaN(a) && double.IsNaN(b)) && a != b) mismatches++;
                continue;
            }
            double d = Math.Abs(a - b);
            sumSq += d * d;
            if (d > max) max = d;
            finite++;
        }
        return new ErrorNorm(finite == 0 ? 0 : Math.Sqrt(sumSq / finite), max, mismatches);
    }

    /// <summary>The error of <paramref name="x"/> against reference <paramref name="r"/>, element by element in double.</summary>
    public static ErrorNorm Measure(TensorValue x, TensorValue r) => Measure(x.ToDoubles(), r.ToDoubles());

    /// <summary>The larger of each part (the floor a set of noise sources sets together).</summary>
    public static ErrorNorm Larger(ErrorNorm a, ErrorNorm b) => new(Math.Max(a.Rms, b.Rms), Math.Max(a.Max, b.Max), Math.Max(a.NonFiniteMismatches, b.NonFiniteMismatches));

    /// <summary>The smaller of each part.</summary>
    public static ErrorNorm Smaller(ErrorNorm a, ErrorNorm b) => new(Math.Min(a.Rms, b.Rms), Math.Min(a.Max, b.Max), Math.Min(a.NonFiniteMismatches, b.NonFiniteMismatches));
}
