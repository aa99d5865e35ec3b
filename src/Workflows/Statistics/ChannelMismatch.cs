namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// How far one channel's data statistics are from the stored running statistics.
/// <para>MeanShift = |μ_d − μ_r| / √(σ²_r + ε): the shift in units of the stored standard deviation, i.e.
/// how far off-centre the BN output lands.</para>
/// <para>VarRatio = (σ²_d + ε) / (σ²_r + ε): the factor by which the BN output variance is off (1 = right).</para>
/// <para>Kl = KL(N(μ_d, σ²_d+ε) ‖ N(μ_r, σ²_r+ε)): both errors in one number, in nats.</para>
/// <para>Badness = the largest of the three measures divided by its threshold (log scale for the ratio):
/// above 1 means flagged.</para>
/// </summary>
public sealed record ChannelMismatch(
    int Index, double DataMean, double DataVar, double RunningMean, double RunningVar,
    double MeanShift, double VarRatio, double Kl, double Badness, bool Flagged)
{
    /// <summary>ln(<see cref="VarRatio"/>).</summary>
    public double LogVarRatio => Math.Log(VarRatio);

    /// <summary>The mismatch of channel <paramref name="index"/>: measured against running statistics, judged by <paramref name="t"/>.</summary>
    public static ChannelMismatch Compute(int index, double dataMean, double dataVar, double runningMean, double runningVar,
        double epsilon, MismatchThresholds t)
    {
        double vr = runningVar + epsilon, vd = dataVar + epsilon;
        double shift = Math.Abs(dataMean - runningMean) / Math.Sqrt(vr);
        double ratio = vd / vr;
        double d = dataMean - runningMean;
        double kl = 0.5 * (Math.Log(vr / vd) + (vd + d * d) / vr - 1.0);
        double shiftBad = shift / t.MaxMeanShift;
        double ratioBad = ratio >= 1 ? Math.Log(ratio) / Math.Log(t.MaxVarRatio) : Math.Log(ratio) / Math.Log(t.MinVarRatio);
        double klBad = double.IsPositiveInfinity(t.MaxKl) ? 0 : kl / t.MaxKl;
        double badness = Math.Max(shiftBad, Math.Max(ratioBad, klBad));
        // NaN (non-finite running statistics, or a NaN in the data) is a problem, never a pass.
        if (double.IsNaN(badness)) badness = double.PositiveInfinity;
        bool flagged = shift > t.MaxMeanShift || ratio < t.MinVarRatio || ratio > t.MaxVarRatio || kl > t.MaxKl || double.IsInfinity(badness);
        return new ChannelMismatch(index, dataMean, dataVar, runningMean, runningVar, shift, ratio, kl, badness, flagged);
    }
}
