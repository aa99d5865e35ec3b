using OnnxNorm.Passes;
using OnnxNorm.Runtime.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>The --json document of check-stats. Field names are part of the interface: scripts key on them.</summary>
public static class StatsJson
{
    public static string Render(StatsReport report, string model, IReadOnlyList<(string Node, BatchNormLint Lint)> lints)
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
                i + 1, l.Node, l.Level, l.Samples, l.Score, l.OwnScore, l.Flagged, l.RootCause, l.Inherited,
                l.Channels.Where(c => c.Flagged).Select(c => c.Index).ToList(),
                l.OwnChannels?.Where(c => c.Flagged).Select(c => c.Index).ToList(),
                l.Channels.Select(c => new StatsJsonChannel(
                    c.Index, c.Flagged, c.MeanShift, c.VarRatio, c.LogVarRatio, c.Kl, c.DataMean, c.DataVar, c.RunningMean, c.RunningVar,
                    l.OwnChannels?[c.Index].Flagged, l.OwnChannels?[c.Index].MeanShift, l.OwnChannels?[c.Index].VarRatio)).ToList())).ToList());
        return JsonOutput.Serialize(doc);
    }
}

// The document's shape, field by field (camelCase on output).
public sealed record StatsJsonDocument(
    string Model, bool Clean, int Batches, int Passes, bool RootCauseAnalysed, StatsJsonThresholds Thresholds,
    IReadOnlyList<string> Warnings, IReadOnlyList<StatsJsonLint> Lint, IReadOnlyList<StatsJsonLayer> Layers);

public sealed record StatsJsonThresholds(double MaxMeanShift, double MinVarRatio, double MaxVarRatio, double MaxKl);

public sealed record StatsJsonLint(string Node, string Code, DiagnosticSeverity Severity, string Message, IReadOnlyList<int>? Channels);

public sealed record StatsJsonLayer(
    int Rank, string Node, int Level, long Samples, double Score, double? OwnScore, bool Flagged, bool RootCause, bool Inherited,
    IReadOnlyList<int> FlaggedChannels, IReadOnlyList<int>? OwnFlaggedChannels, IReadOnlyList<StatsJsonChannel> Channels);

public sealed record StatsJsonChannel(
    int Index, bool Flagged, double MeanShift, double VarRatio, double LogVarRatio, double Kl, double DataMean, double DataVar,
    double RunningMean, double RunningVar, bool? OwnFlagged, double? OwnMeanShift, double? OwnVarRatio);
