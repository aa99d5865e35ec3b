using System.Diagnostics;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// `check-stats` as a library call: the static BN lint (the same as inspect's BN section) and training-mode
/// layers frozen as deployed (<see cref="Prepare"/>), then <see cref="StatsChecker"/> over the data (<see cref="Run"/>).
/// </summary>
public static class StatsCheck
{
    /// <summary>What is known before the data pass: the lint findings by node and the warnings of freezing.</summary>
    public sealed record Preparation(IReadOnlyList<(string Node, BatchNormLint Lint)> Lints, IReadOnlyList<string> Warnings);

    /// <summary>Lints every BN and freezes training-mode layers of <paramref name="model"/> in place, as deployed.</summary>
    public static Preparation Prepare(Model model)
    {
        var lints = BatchNormNodes.In(model).SelectMany(bn => BatchNormAnalysis.Lint(bn).Select(l => (Node: bn.Name, Lint: l))).ToList();
        var preWarnings = new List<string>();
        TrainingModeLayers.Freeze(model, preWarnings);
        return new Preparation(lints, preWarnings);
    }

    /// <summary>The data pass over the prepared model; the report's warnings start with the preparation's and end with the lints.</summary>
    public static StatsReport Run(Model model, Preparation prepared, CalibrationData data, ActivationEngineFactory factory,
        StatsChecker.Options options, StatisticsCollector.ProgressCallback? progress = null)
    {
        var report = StatsChecker.Run(model, data, factory, options, progress);
        return report with { Warnings = prepared.Warnings.Concat(report.Warnings).Concat(prepared.Lints.Select(l => $"lint {l.Lint.Code} [{l.Node}]: {l.Lint.Message}")).ToList() };
    }

    /// <summary>
    /// Plain inference against the statistics pass over the same data, alternating, best of
    /// <paramref name="rounds"/> each: on a shared machine the minimum is the least disturbed run. One untimed
    /// batch through each path first, so JIT and first-touch costs count against neither side.
    /// </summary>
    public static (TimeSpan Plain, TimeSpan Stats) TimeOverhead(ActivationEngineFactory factory, Model model, CalibrationData data, int rounds = 3)
    {
        var layers = BatchNormLayer.InMainGraph(model, new List<string>());
        using (var warm = factory(model, new HashSet<string>()))
            foreach (var feeds in data.Batches().Take(1)) warm.Run(feeds, static (_, _) => { });
        var scratch = new Dictionary<string, ChannelMomentsAccumulator>(StringComparer.Ordinal);
        foreach (var l in layers) scratch.TryAdd(l.InputName, new ChannelMomentsAccumulator(l.Channels));
        using (var warm = factory(model, scratch.Keys.ToHashSet(StringComparer.Ordinal)))
            foreach (var feeds in data.Batches().Take(1)) warm.Run(feeds, (name, v) => scratch[name].AddBatch(v, name));
        TimeSpan plain = TimeSpan.MaxValue, stats = TimeSpan.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            using (var engine = factory(model, new HashSet<string>()))
                foreach (var feeds in data.Batches()) engine.Run(feeds, static (_, _) => { });
            if (clock.Elapsed < plain) plain = clock.Elapsed;
            clock.Restart();
            StatisticsCollector.Collect(factory, model, layers, data, "timing");
            if (clock.Elapsed < stats) stats = clock.Elapsed;
        }
        return (plain, stats);
    }
}
