using OnnxNorm.Passes;
using OnnxNorm.Workflows.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>
/// The --json document of check-stats. Field names are part of the interface: scripts key on them. Per
/// channel, dataMean/dataVar are the raw data statistics (the model as it runs now), ownDataMean/ownDataVar
/// those after upstream recalibration, runningMean/runningVar the stored ones, and meanShift/varRatio/kl
/// (own...) the judged measures.
/// </summary>
public static class StatsJson
{
    public static string Render(StatsReport report, string model, IReadOnlyList<(string Node, BatchNormLint Lint)> lints, StatsAdvice advice)
    {
        var t = report.Thresholds;
        var doc = new StatsJsonDocument(
            model,
            !report.AnyFlagged,
            report.Batches,
            report.Passes,
            report.RootCauseAnalysed,
            new StatsJsonThresholds(t.MaxMeanShift, t.MinVarRatio, t.MaxVarRatio, t.MaxKl),
            report.Warnings,
            lints.Select(l => new StatsJsonLint(l.Node, l.Lint.Code, l.Lint.Severity, l.Lint.Message, l.Lint.Channels)).ToList(),
            report.Layers.Select((l, i) => new StatsJsonLayer(
                i + 1, l.Node, l.Level, l.Samples, l.Score, l.OwnScore, l.Flagged, l.RootCause, l.Inherited, l.Verdict.Id(),
                l.Channels.Where(c => c.Flagged).Select(c => c.Index).ToList(),
                l.OwnChannels?.Where(c => c.Flagged).Select(c => c.Index).ToList(),
                l.SmallBatch is { } s ? new StatsJsonSmallBatch(s.BatchSize, s.MeanNoise, s.VarNoise, s.Flagged, s.SafeBatchSize) : null,
                l.Channels.Select(c => Channel(c, l.OwnChannels?[c.Index])).ToList())).ToList(),
            report.SmallBatch is { } sb
                ? new StatsJsonSmallBatchSummary(sb.BatchSize, sb.Thresholds.MaxMeanNoise, sb.Thresholds.MaxVarNoise, sb.Samples,
                    sb.SmallestSafeBatchSize, sb.FlaggedLayers, sb.FreezeRegex)
                : null,
            advice.Commands.ToList(),
            advice.NormalisationNote);
        return JsonOutput.Serialize(doc);
    }

    private static StatsJsonChannel Channel(ChannelMismatch c, ChannelMismatch? own) => new(
        c.Index, c.Flagged, c.MeanShift, c.VarRatio, c.LogVarRatio, c.Kl, c.DataMean, c.DataVar, c.RunningMean, c.RunningVar,
        own?.Flagged, own?.MeanShift, own?.VarRatio, own?.Kl, own?.DataMean, own?.DataVar);
}

// The document's shape, field by field (camelCase on output).
public sealed record StatsJsonDocument(
    string Model, bool Clean, int Batches, int Passes, bool RootCauseAnalysed, StatsJsonThresholds Thresholds,
    IReadOnlyList<string> Warnings, IReadOnlyList<StatsJsonLint> Lint, IReadOnlyList<StatsJsonLayer> Layers,
    StatsJsonSmallBatchSummary? SmallBatch, IReadOnlyList<string> FixCommands, string? Note);

public sealed record StatsJsonThresholds(double MaxMeanShift, double MinVarRatio, double MaxVarRatio, double MaxKl);

public sealed record StatsJsonLint(string Node, string Code, DiagnosticSeverity Severity, string Message, IReadOnlyList<int>? Channels);

public sealed record StatsJsonLayer(
    int Rank, string Node, int Level, long Samples, double Score, double? OwnScore, bool Flagged, bool RootCause, bool Inherited, string Verdict,
    IReadOnlyList<int> FlaggedChannels, IReadOnlyList<int>? OwnFlaggedChannels, StatsJsonSmallBatch? SmallBatch, IReadOnlyList<StatsJsonChannel> Channels);

public sealed record StatsJsonSmallBatch(int BatchSize, double MeanNoise, double VarNoise, bool Flagged, int? SafeBatchSize);

public sealed record StatsJsonSmallBatchSummary(
    int BatchSize, double MaxMeanNoise, double MaxVarNoise, long Samples, int? SmallestSafeBatchSize,
    IReadOnlyList<string> FlaggedLayers, string? FreezeRegex);

public sealed record StatsJsonChannel(
    int Index, bool Flagged, double MeanShift, double VarRatio, double LogVarRatio, double Kl, double DataMean, double DataVar,
    double RunningMean, double RunningVar, bool? OwnFlagged, double? OwnMeanShift, double? OwnVarRatio, double? OwnKl,
    double? OwnDataMean, double? OwnDataVar);
