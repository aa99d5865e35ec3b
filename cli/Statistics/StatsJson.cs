using System.Text.Json;
using OnnxNorm.Passes;
using OnnxNorm.Runtime.Statistics;

namespace OnnxNorm.Cli.Statistics;

/// <summary>The --json document of check-stats. Field names are part of the interface: scripts key on them.</summary>
public static class StatsJson
{
    public static string Render(StatsReport report, string model, IReadOnlyList<(string Node, BatchNormLint Lint)> lints)
    {
        var doc = new
        {
            model,
            clean = !report.AnyFlagged,
            batches = report.Batches,
            passes = report.Passes,
            rootCauseAnalysed = report.RootCauseAnalysed,
            thresholds = new
            {
                maxMeanShift = report.Thresholds.MaxMeanShift,
                minVarRatio = report.Thresholds.MinVarRatio,
                maxVarRatio = report.Thresholds.MaxVarRatio,
                maxKl = report.Thresholds.MaxKl,
            },
            warnings = report.Warnings,
            lint = lints.Select(l => new { node = l.Node, code = l.Lint.Code, severity = l.Lint.Severity, message = l.Lint.Message, channels = l.Lint.Channels }),
            layers = report.Layers.Select((l, i) => new
            {
                rank = i + 1,
                node = l.Node,
                level = l.Level,
                samples = l.Samples,
                score = l.Score,
                ownScore = l.OwnScore,
                flagged = l.Flagged,
                rootCause = l.RootCause,
                inherited = l.Inherited,
                flaggedChannels = l.Channels.Where(c => c.Flagged).Select(c => c.Index),
                ownFlaggedChannels = l.OwnChannels?.Where(c => c.Flagged).Select(c => c.Index),
                channels = l.Channels.Select(c => new
                {
                    index = c.Index,
                    flagged = c.Flagged,
                    meanShift = c.MeanShift,
                    varRatio = c.VarRatio,
                    logVarRatio = c.LogVarRatio,
                    kl = c.Kl,
                    dataMean = c.DataMean,
                    dataVar = c.DataVar,
                    runningMean = c.RunningMean,
                    runningVar = c.RunningVar,
                    ownFlagged = l.OwnChannels?[c.Index].Flagged,
                    ownMeanShift = l.OwnChannels?[c.Index].MeanShift,
                    ownVarRatio = l.OwnChannels?[c.Index].VarRatio,
                }),
            }),
        };
        return JsonSerializer.Serialize(doc, JsonOutput.Options);
    }
}
