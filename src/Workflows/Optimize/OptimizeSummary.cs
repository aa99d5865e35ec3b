using OnnxNorm.Ir;
using OnnxNorm.Passes;

namespace OnnxNorm.Workflows.Optimize;

/// <summary>
/// What `optimize` reports after the pipeline ran: what was folded (by code), every BN left in place with the
/// one reason that explains it, and the per-channel Mul/Add/Sub/Div fold-affine folded or left.
/// </summary>
public static class OptimizeSummary
{
    /// <summary>The reason of a foldable BN that a run stopped by <see cref="OptimizeOptions.StopAfterPatches"/> never reached.</summary>
    public const string StoppedBeforeReached = "stopped-before-reached";

    /// <summary>The report of one pipeline run over <paramref name="model"/> (already rewritten).</summary>
    public static OptimizeReport Build(Model model, PipelineResult result, string inputPath, string outputPath,
        IReadOnlyList<string> passes, int bnBefore, ModelSummary before, ModelSummary after, double elapsedMs, VerifyReport? verify)
    {
        // A BN left in place is explained by fold-bn's own decision; one fold-bn could fold was left by the
        // passes that did run, so their last word on it is the reason.
        var lastSaid = result.Diagnostics.Where(d => d.NodeName is not null && !FoldCodes.IsFold(d.Code))
            .GroupBy(d => d.NodeName!).ToDictionary(g => g.Key, g => g.Last());
        var left = BatchNormAnalysis.Of(model)
            .Select(r => r.RefusalCode is { } code
                // The engine's word, when it agrees, also gives the forward rule's reason.
                ? new BatchNormLeftInPlace(r.Node, r.Producer, r.Mode, code,
                    lastSaid.TryGetValue(r.Node, out var said) && said.Code == code ? said.Message : r.RefusalReason!)
                : lastSaid.TryGetValue(r.Node, out var d)
                    ? new BatchNormLeftInPlace(r.Node, r.Producer, r.Mode, d.Code, $"{d.Pass}: {d.Message}")
                    : result.Stopped
                        ? new BatchNormLeftInPlace(r.Node, r.Producer, r.Mode, StoppedBeforeReached,
                            $"--stop-after stopped the run after {result.PatchesApplied} patch(es), before it was reached; fold-bn would fold it into its {r.FoldInto}")
                        : new BatchNormLeftInPlace(r.Node, r.Producer, r.Mode, "fold-bn-not-run", $"fold-bn would fold it into its {r.FoldInto}, but fold-bn was not run"))
            .ToList();
        var affineFolded = result.Diagnostics.Where(d => FoldCodes.IsAffineFold(d.Code))
            .GroupBy(d => d.Code).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var present = model.Graph.AllNodes().Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        // fold-affine also reports the BNs it leaves; those are listed above, with the BN analysis' reason.
        var bnLeft = left.Select(l => l.Node).ToHashSet(StringComparer.Ordinal);
        var affineLeft = result.Diagnostics.Where(d => d.Pass == FoldAffinePass.PassName && d.NodeName is not null && !FoldCodes.IsAffineFold(d.Code))
            .GroupBy(d => d.NodeName!).Where(g => present.Contains(g.Key) && !bnLeft.Contains(g.Key))
            .Select(g => g.Last()).Select(d => new AffineLeftInPlace(d.NodeName!, d.Code, d.Message)).ToList();
        var folded = result.Diagnostics.Where(d => FoldCodes.IsFold(d.Code))
            .GroupBy(d => d.Code).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        // One outcome per op: a fold's last report (an op is folded once), or the one reason it was left.
        var outcomes = result.Diagnostics.Where(d => d.NodeName is not null && (FoldCodes.IsFold(d.Code) || FoldCodes.IsAffineFold(d.Code)))
            .GroupBy(d => d.NodeName!).Select(g => g.Last()).Select(d => new OpOutcome(d.NodeName!, true, d.Code, d.Message))
            .Concat(left.Select(l => new OpOutcome(l.Node, false, l.ReasonCode, l.Reason)))
            .Concat(affineLeft.Select(l => new OpOutcome(l.Node, false, l.ReasonCode, l.Reason)))
            .ToList();
        return new OptimizeReport(
            inputPath, outputPath, passes, result.Iterations, bnBefore, bnBefore - left.Count, left.Count, folded, left,
            new BeforeAfter(before.NodeCount, after.NodeCount), new BeforeAfter(before.ParameterCount, after.ParameterCount),
            elapsedMs, verify,
            result.Runs.Select(r => new PassRunReport(r.Pass, r.Iteration, r.Modified, r.Elapsed.TotalMilliseconds, r.Diagnostics)).ToList())
        {
            AffineFolded = affineFolded,
            AffineLeft = affineLeft,
            Outcomes = outcomes,
            Patches = new PatchReport(result.PatchesApplied, result.Stopped, result.LastPatch),
        };
    }
}
