using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// One pass over the calibration data: the engine runs every batch, and the input of every given BN
/// layer is reduced to per-channel moments as soon as it is produced. Nothing but the O(C) moments is kept.
/// </summary>
public static class StatisticsCollector
{
    /// <summary>Progress callback: phase label, files done, files in total.</summary>
    public delegate void ProgressCallback(string phase, int done, int total);

    /// <summary>What a collection measured.</summary>
    /// <param name="ByInput">Per BN input value, the moments per channel.</param>
    /// <param name="Batches">How many batches ran.</param>
    /// <param name="SmallestBatchCountPerChannel">The fewest values any channel saw.</param>
    public sealed record Result(IReadOnlyDictionary<string, ChannelMomentsAccumulator> ByInput, int Batches, long SmallestBatchCountPerChannel);

    /// <summary>Runs every calibration batch and accumulates each layer's input moments per channel.</summary>
    public static Result Collect(ActivationEngineFactory factory, Model model, IEnumerable<BatchNormLayer> layers,
        CalibrationData data, string phase, ProgressCallback? progress = null, bool keepPerSample = false)
    {
        var byInput = new Dictionary<string, ChannelMomentsAccumulator>(StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (byInput.TryAdd(layer.InputName, new ChannelMomentsAccumulator(layer.Channels, keepPerSample)))
                labels[layer.InputName] = $"input '{layer.InputName}' of {layer.Label}";
        }
        int batches = 0;
        long smallest = long.MaxValue;
        using var engine = factory(model, byInput.Keys.ToHashSet(StringComparer.Ordinal));
        progress?.Invoke(phase, 0, data.FileCount);
        foreach (var feeds in data.Batches(done => progress?.Invoke(phase, done, data.FileCount)))
        {
            engine.Run(feeds, (name, value) =>
            {
                if (!byInput.TryGetValue(name, out var acc)) return;
                long before = acc.Count;
                acc.AddBatch(value, labels[name]);
                long added = acc.Count - before;
                lock (byInput) smallest = Math.Min(smallest, added);
            });
            batches++;
        }
        if (batches == 0) throw new BadInputException("the calibration data holds no batches");
        return new Result(byInput, batches, smallest == long.MaxValue ? 0 : smallest);
    }
}
