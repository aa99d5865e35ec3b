using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// `recalibrate` as a library call: freeze training-mode layers on a working copy, measure every BN layer's
/// data statistics level by level (<see cref="Recalibrator"/>), and write them into the model as it was.
/// </summary>
public static class Recalibration
{
    /// <summary>What one recalibration did.</summary>
    /// <param name="Layers">BN layers whose running statistics were rewritten.</param>
    /// <param name="Levels">Data passes made: the deepest BN level.</param>
    /// <param name="Warnings">Layers measured as if frozen, statistics that were not constants, and the like.</param>
    public sealed record Outcome(int Layers, int Levels, IReadOnlyList<string> Warnings);

    /// <summary>
    /// Rewrites the running mean and variance of every BN in <paramref name="target"/>'s main graph from
    /// <paramref name="data"/>. Nothing is written if a statistic cannot be stored (see <see cref="BadInputException"/>).
    /// </summary>
    public static Outcome Run(ActivationEngineFactory factory, Model target, CalibrationData data,
        StatisticsCollector.ProgressCallback? progress = null)
    {
        // The passes run on a working copy where training-mode layers are frozen (so downstream layers see
        // inference activations); the new statistics are then written into the model as it was, mode unchanged.
        using var work = target.Clone();
        var warnings = new List<string>();
        TrainingModeLayers.Freeze(work, warnings);
        var layers = BatchNormLayer.InMainGraph(work, warnings);
        var moments = Recalibrator.Run(factory, work, layers, data, progress: progress);
        var statistics = new List<(BatchNormLayer Layer, double[] Mean, double[] Variance)>();
        foreach (var layer in layers)
        {
            var acc = moments[layer.Ordinal];
            var mean = Enumerable.Range(0, layer.Channels).Select(c => acc[c].Mean).ToArray();
            var variance = Enumerable.Range(0, layer.Channels).Select(c => acc[c].PopulationVariance).ToArray();
            RequireStorable(layer, "mean", mean);
            RequireStorable(layer, "variance", variance);
            statistics.Add((layer, mean, variance));
        }
        // Every layer is checked before the first one is written: a refusal leaves the target as it was.
        foreach (var (layer, mean, variance) in statistics) layer.WriteStatistics(target, mean, variance);
        return new Outcome(layers.Count, layers.Count == 0 ? 0 : layers.Max(l => l.Level), warnings);
    }

    // A statistic that float32 cannot hold (the activations overflowed) would be written as Inf/NaN and
    // silently break the model; nothing is written instead.
    private static void RequireStorable(BatchNormLayer layer, string what, double[] values)
    {
        for (int c = 0; c < values.Length; c++)
            if (!(Math.Abs(values[c]) <= float.MaxValue))
                throw new BadInputException($"{layer.Label}: channel {c}: the data gives a running {what} of {values[c]:G4}, which float32 cannot hold (the layer's input overflows on this data); nothing was written");
    }
}
