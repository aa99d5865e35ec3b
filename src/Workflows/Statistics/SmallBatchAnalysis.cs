using System.Text.RegularExpressions;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>When a layer's batch statistics at a batch size count as too noisy (see <see cref="BatchNoiseModel"/>).</summary>
public sealed record SmallBatchThresholds
{
    /// <summary>The batch mean strays by more than 0.1 population standard deviations (root mean square).</summary>
    public double MaxMeanNoise { get; init; } = 0.1;
    /// <summary>The batch variance is off by more than 20% (root mean square), i.e. the output scale by about 10%.</summary>
    public double MaxVarNoise { get; init; } = 0.2;

    /// <summary>Mean noise 0.1, variance noise 0.2.</summary>
    public static SmallBatchThresholds Default { get; } = new();

    /// <summary>Checks that both thresholds are positive.</summary>
    /// <exception cref="OnnxNorm.Ir.BadInputException">A threshold out of range.</exception>
    public void Validate()
    {
        if (!(MaxMeanNoise > 0)) throw new OnnxNorm.Ir.BadInputException($"the mean-noise threshold must be positive, not {MaxMeanNoise}");
        if (!(MaxVarNoise > 0)) throw new OnnxNorm.Ir.BadInputException($"the variance-noise threshold must be positive, not {MaxVarNoise}");
    }
}

/// <summary>
/// One layer at one batch size: the median over channels of each channel's noise, flagged when either median is
/// above its threshold; <see cref="SafeBatchSize"/> is the smallest batch size at which it is not flagged (null
/// when even <see cref="SmallBatchAnalysis.LargestBatchSize"/> is not enough).
/// </summary>
public sealed record SmallBatchLayer(int BatchSize, double MeanNoise, double VarNoise, bool Flagged, int? SafeBatchSize);

/// <summary>The whole model at the batch size asked for.</summary>
public sealed record SmallBatchSummary(
    int BatchSize, SmallBatchThresholds Thresholds, long Samples, int? SmallestSafeBatchSize,
    IReadOnlyList<string> FlaggedLayers, string? FreezeRegex)
{
    /// <summary>Whether any layer is too noisy at this batch size.</summary>
    public bool AnyFlagged => FlaggedLayers.Count > 0;
}

/// <summary>How noisy each BN layer's batch statistics are at a given batch size.</summary>
public static class SmallBatchAnalysis
{
    /// <summary>The largest batch size searched for a safe one.</summary>
    public const int LargestBatchSize = 1 << 16;
    /// <summary>Below this many calibration samples the estimate of how samples differ is itself noisy: warn.</summary>
    public const int FewSamples = 32;

    /// <summary>One layer's noise at <paramref name="batchSize"/>, and the smallest safe batch size.</summary>
    public static SmallBatchLayer ForLayer(ChannelMomentsAccumulator acc, double epsilon, int batchSize, SmallBatchThresholds t)
    {
        var models = Enumerable.Range(0, acc.Channels)
            .Select(c => BatchNoiseModel.FromSamples(acc.SampleMeans(c), acc.SampleVariances(c), epsilon)).ToList();
        var (mean, var) = Medians(models, batchSize);
        bool flagged = IsFlagged(mean, var, t);
        return new SmallBatchLayer(batchSize, mean, var, flagged, SafeBatchSize(models, t));
    }

    private static bool IsFlagged(double meanNoise, double varNoise, SmallBatchThresholds t) =>
        meanNoise > t.MaxMeanNoise || varNoise > t.MaxVarNoise;

    private static (double Mean, double Var) Medians(IReadOnlyList<BatchNoiseModel> models, int b) =>
        (Median(models.Select(m => m.MeanNoise(b))), Median(models.Select(m => m.VarNoise(b))));

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        if (s.Length == 0) return 0;
        int h = s.Length / 2;
        return s.Length % 2 == 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
    }

    /// <summary>
    /// The smallest batch size at which the layer is not flagged. Noise falls as the batch grows (as 1/√B for
    /// large B), so a doubling search finds a safe power of two and a bisection the smallest safe size below it.
    /// </summary>
    private static int? SafeBatchSize(IReadOnlyList<BatchNoiseModel> models, SmallBatchThresholds t)
    {
        bool Safe(int b) { var (m, v) = Medians(models, b); return !IsFlagged(m, v, t); }
        if (Safe(1)) return 1;
        int hi = 2;
        while (!Safe(hi)) { if (hi >= LargestBatchSize) return null; hi *= 2; }
        int lo = hi / 2;   // not safe
        while (hi - lo > 1)
        {
            int mid = lo + (hi - lo) / 2;
            if (Safe(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>A regular expression for `freeze-bn --only` that matches exactly the named nodes (null when none has a name).</summary>
    public static string? FreezeRegex(IEnumerable<string> nodeNames)
    {
        var names = nodeNames.Where(n => n.Length > 0).Select(Regex.Escape).ToList();
        return names.Count == 0 ? null : "^(" + string.Join('|', names) + ")$";
    }

    /// <summary>The model-wide summary of the per-layer results.</summary>
    public static SmallBatchSummary Summarise(int batchSize, SmallBatchThresholds t, long samples,
        IReadOnlyList<(string Node, bool Named, SmallBatchLayer Result)> layers)
    {
        var flagged = layers.Where(l => l.Result.Flagged).ToList();
        int? smallest = layers.Count == 0 ? 1
            : layers.Any(l => l.Result.SafeBatchSize is null) ? null
            : layers.Max(l => l.Result.SafeBatchSize!.Value);
        return new SmallBatchSummary(batchSize, t, samples, smallest, flagged.Select(l => l.Node).ToList(),
            FreezeRegex(flagged.Where(l => l.Named).Select(l => l.Node)));
    }
}
