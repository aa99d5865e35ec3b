namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// Per channel (<see cref="ChannelSlices"/>), the least-squares line through the origin of a run's error
/// <c>e = x - r</c> against the reference <c>r</c>: its slope <c>Σ r e / Σ r²</c> and the slope's standard error. A
/// scale change by s of a channel makes <c>e = s·r</c>, a slope of s whose standard error shrinks like 1/sqrt(n);
/// float rounding is uncorrelated with r, so its slope is 0 within its standard error.
/// </summary>
/// <remarks>
/// Through the origin because a scale change of a Conv channel (weights and bias) is exactly proportional: with an
/// intercept, a channel whose values sit far from 0 (before a BN) has little spread to fit, and the change shrank
/// below float16 noise (PaddleOCR cls, measured 2026-11-30). A constant offset then shows as a slope too; the noise
/// sources' own slopes are in the floor (<see cref="SlopeScore"/>). The standard error is the
/// heteroscedasticity-consistent one of MacKinnon and White (HC3: <c>Σ r² u² / (1-h)² / (Σ r²)²</c>, u the residuals,
/// h = r²/Σ r² each element's leverage): rounding noise grows with |r|, which the textbook formula (one variance for
/// every element) underestimates, and a channel that a ReLU zeroes but in a few elements has its slope set by those
/// few, whose residuals are small because the line passes near them; dividing by (1-h)² undoes that. A channel whose
/// r is 0 everywhere has no slope: slope 0, standard error infinity.
/// </remarks>
public sealed record ChannelFit(double[] Slope, double[] StdError)
{
    /// <summary>The fit of <paramref name="x"/> - <paramref name="r"/> against <paramref name="r"/> in each slice,
    /// over the elements both hold as finite numbers.</summary>
    public static ChannelFit Of(ChannelSlices slices, ReadOnlySpan<double> x, ReadOnlySpan<double> r)
    {
        if (x.Length != r.Length) throw new ArgumentException("the tensors differ in size");
        int count = slices.Count;
        var n = new long[count];
        var sxx = new double[count];
        var sxy = new double[count];
        for (int i = 0; i < x.Length; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(r[i])) continue;
            int c = slices.ChannelOf(i);
            n[c]++;
            sxx[c] += r[i] * r[i];
            sxy[c] += r[i] * (x[i] - r[i]);
        }
        var slope = new double[count];
        for (int c = 0; c < count; c++) slope[c] = sxx[c] > 0 ? sxy[c] / sxx[c] : 0;
        var hc = new double[count];
        for (int i = 0; i < x.Length; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(r[i])) continue;
            int c = slices.ChannelOf(i);
            double u = x[i] - r[i] - slope[c] * r[i];
            double h = r[i] * r[i] / sxx[c];
            hc[c] += h >= 1 ? double.PositiveInfinity : r[i] * r[i] * u * u / ((1 - h) * (1 - h));
        }
        var se = new double[count];
        for (int c = 0; c < count; c++) se[c] = sxx[c] > 0 && n[c] > 1 ? Math.Sqrt(hc[c]) / sxx[c] : double.PositiveInfinity;
        return new ChannelFit(slope, se);
    }

    /// <summary>The root mean square over the channels that have a slope of the error each slope explains,
    /// |slope| x the channel's RMS <paramref name="scale"/> (0 when none has).</summary>
    public double ProportionalRms(ReadOnlySpan<double> scale)
    {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < Slope.Length; c++)
            if (double.IsFinite(StdError[c]) && double.IsFinite(Slope[c])) { sum += Slope[c] * scale[c] * Slope[c] * scale[c]; n++; }
        return n == 0 ? 0 : Math.Sqrt(sum / n);
    }
}
