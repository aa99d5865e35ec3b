namespace OnnxNorm.Workflows.Statistics;

/// <summary>Everything check-stats found: the layers ranked worst first, warnings, and what was measured.</summary>
public sealed record StatsReport(
    IReadOnlyList<LayerStatistics> Layers,
    IReadOnlyList<string> Warnings,
    int Batches,
    bool RootCauseAnalysed,
    int Passes,
    MismatchThresholds Thresholds)
{
    /// <summary>Whether any layer is flagged or a root cause.</summary>
    public bool AnyFlagged => Layers.Any(l => l.Flagged || l.RootCause);

    /// <summary>The small-batch analysis (null unless asked for with a batch size).</summary>
    public SmallBatchSummary? SmallBatch { get; init; }
}
