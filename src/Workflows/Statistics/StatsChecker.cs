using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// check-stats: measures every BN layer's input on the calibration data and compares it with the stored
/// running statistics. When something is flagged, a root-cause analysis follows: the layers are measured
/// again with every upstream BN recalibrated to the data (see <see cref="Recalibrator"/>), up to the deepest
/// flagged level. That costs one extra pass per BN level, so it only runs when there is something to explain.
/// </summary>
public static class StatsChecker
{
    /// <summary>How check-stats judges.</summary>
    public sealed record Options
    {
        /// <summary>When a channel counts as mismatched.</summary>
        public MismatchThresholds Thresholds { get; init; } = MismatchThresholds.Default;
        /// <summary>Run the root-cause analysis when something is flagged.</summary>
        public bool RootCause { get; init; } = true;
        /// <summary>The batch size to analyse batch-statistics noise at (null: no small-batch analysis).</summary>
        public int? SmallBatchSize { get; init; }
        /// <summary>When batch statistics count as too noisy.</summary>
        public SmallBatchThresholds SmallBatchThresholds { get; init; } = SmallBatchThresholds.Default;
    }

    /// <summary>The check-stats command: measures every BN layer's input on <paramref name="data"/> and compares it with the stored statistics.</summary>
    /// <exception cref="BadInputException">Bad thresholds, data or model.</exception>
    public static StatsReport Run(Model model, CalibrationData data, ActivationEngineFactory factory, Options options,
        StatisticsCollector.ProgressCallback? progress = null)
    {
        options.Thresholds.Validate();
        options.SmallBatchThresholds.Validate();
        if (options.SmallBatchSize is < 1) throw new BadInputException($"the batch size must be at least 1, not {options.SmallBatchSize}");
        var warnings = new List<string>();
        var layers = BatchNormLayer.InMainGraph(model, warnings);
        if (layers.Count == 0)
        {
            // Nothing to measure, but the data is still read: bad data is bad input on any model.
            int batches = 0;
            foreach (var _ in data.Batches()) batches++;
            if (batches == 0) throw new BadInputException("the calibration data holds no batches");
            warnings.Add("the model has no BatchNormalization layer to check");
            return new StatsReport(Array.Empty<LayerStatistics>(), warnings, batches, false, 0, options.Thresholds);
        }
        bool smallBatch = options.SmallBatchSize is not null;
        var deployed = StatisticsCollector.Collect(factory, model, layers, data, "statistics", progress, keepPerSample: smallBatch);
        int passes = 1;
        if (deployed.SmallestBatchCountPerChannel == 1)
            warnings.Add("some batches give a BN layer a single value per channel (batch 1 with 1x1 spatial size): "
                + "batch statistics of such a batch have zero variance, so a training-mode BN would output only its bias; use larger batches");
        var deployedChannels = layers.ToDictionary(l => l.Ordinal, l => Compare(l, deployed.ByInput[l.InputName], options.Thresholds));

        Dictionary<int, List<ChannelMismatch>>? own = null;
        bool analysed = false;
        var flaggedLayers = layers.Where(l => deployedChannels[l.Ordinal].Any(c => c.Flagged)).ToList();
        if (options.RootCause && flaggedLayers.Count > 0)
        {
            analysed = true;
            int maxLevel = flaggedLayers.Max(l => l.Level);
            // Work on a copy: the caller's model keeps its statistics.
            using var work = model.Clone();
            var workLayers = BatchNormLayer.InMainGraph(work, new List<string>());
            var moments = Recalibrator.Run(factory, work, workLayers, data, maxLevel, deployed.ByInput, progress);
            passes += Math.Max(0, maxLevel - 1);
            own = layers.Where(l => moments.ContainsKey(l.Ordinal))
                .ToDictionary(l => l.Ordinal, l => Compare(l, moments[l.Ordinal], options.Thresholds));
        }

        var results = new List<LayerStatistics>();
        foreach (var l in layers)
        {
            var channels = deployedChannels[l.Ordinal];
            List<ChannelMismatch>? ownChannels = own is not null && own.TryGetValue(l.Ordinal, out var oc) ? oc : null;
            bool flagged = channels.Any(c => c.Flagged);
            // Without the analysis nothing is known about the cause: neither flag is set ("not analysed").
            bool rootCause = ownChannels is not null && ownChannels.Any(c => c.Flagged);
            bool inherited = flagged && ownChannels is not null && !rootCause;
            var acc = deployed.ByInput[l.InputName];
            results.Add(new LayerStatistics(l.Label, l.Ordinal, l.Level, l.Epsilon, acc.Count,
                Score(channels), ownChannels is null ? null : Score(ownChannels), flagged, rootCause, inherited, channels, ownChannels)
            {
                SmallBatch = smallBatch ? SmallBatchAnalysis.ForLayer(acc, l.Epsilon, options.SmallBatchSize!.Value, options.SmallBatchThresholds) : null,
            });
        }
        var ranked = Rank(results);
        SmallBatchSummary? summary = null;
        if (smallBatch)
        {
            long samples = deployed.ByInput.Values.Where(a => a.Channels > 0).Select(a => (long)a.SampleMeans(0).Count).DefaultIfEmpty(0).Min();
            if (samples < 2) throw new BadInputException($"the small-batch analysis needs at least 2 samples in the calibration data, and it holds {samples}");
            if (samples < SmallBatchAnalysis.FewSamples)
                warnings.Add($"the small-batch analysis rests on {samples} calibration samples; with fewer than {SmallBatchAnalysis.FewSamples} its estimate of how samples differ is itself noisy");
            summary = SmallBatchAnalysis.Summarise(options.SmallBatchSize!.Value, options.SmallBatchThresholds, samples,
                layers.Select(l => (l.Label, l.Node.Name.Length > 0, results.Single(r => r.Ordinal == l.Ordinal).SmallBatch!)).ToList());
        }
        return new StatsReport(ranked, warnings, deployed.Batches, analysed, passes, options.Thresholds) { SmallBatch = summary };
    }

    /// <summary>
    /// Layers wrong in themselves first (worst own score first), then every other flagged layer, then the rest,
    /// each group worst score first; file order breaks ties.
    /// </summary>
    public static List<LayerStatistics> Rank(IEnumerable<LayerStatistics> layers) => layers
        .OrderBy(r => r.Verdict.Group())
        .ThenByDescending(r => r.Verdict == LayerVerdict.WrongItself ? r.OwnScore ?? r.Score : r.Score)
        .ThenBy(r => r.Ordinal)
        .ToList();

    private static List<ChannelMismatch> Compare(BatchNormLayer l, ChannelMomentsAccumulator acc, MismatchThresholds t)
    {
        var list = new List<ChannelMismatch>(l.Channels);
        for (int c = 0; c < l.Channels; c++)
            list.Add(ChannelMismatch.Compute(c, acc[c].Mean, acc[c].PopulationVariance, l.RunningMean[c], l.RunningVar[c], l.Epsilon, t));
        return list;
    }

    /// <summary>A layer's score is its worst channel's badness: 1 means exactly at a threshold.</summary>
    private static double Score(IReadOnlyList<ChannelMismatch> channels) => channels.Count == 0 ? 0 : channels.Max(c => c.Badness);
}
