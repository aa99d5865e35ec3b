using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// `optimize --verify`: the rewritten model against the original through <see cref="OrtComparison"/> with the
/// noise-aware rule, the same verdict as `compare` (ONNX Runtime with graph optimisations off, so ORT's own BN
/// fusion cannot hide a wrong fold; seeded inputs; the original's float64 reference run on the native executor).
/// When the native executor cannot run the original (an op it lacks) there is no reference, and the fixed
/// elementwise rule (the `close` preset) decides, as the summary says.
/// </summary>
internal sealed class OrtEquivalenceCheck : IEquivalenceCheck
{
    private readonly ComparisonOptions _options;

    public OrtEquivalenceCheck(ulong seed = 0, ShapeOverrides? shapes = null)
    {
        _options = new ComparisonOptions
        {
            Seed = seed,
            Shapes = shapes ?? ShapeOverrides.Empty,
            Rule = EquivalenceRule.NoiseAware,
            Session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled },
        };
    }

    public string Name => $"onnxruntime {OrtSession.RuntimeVersion} (graph optimisations off)";

    public EquivalenceResult Compare(byte[] originalModel, byte[] rewrittenModel)
    {
        var original = ModelSource.FromBytes(originalModel, "original");
        var rewritten = ModelSource.FromBytes(rewrittenModel, "optimized");
        ComparisonReport report;
        string fallback = "";
        try
        {
            report = OrtComparison.Compare(rewritten, original, _options);
        }
        catch (BadInputException e)
        {
            // Most likely the native executor cannot run the original for the float64 reference; a bad input or a
            // model ORT rejects fails the elementwise run below the same way and reaches the user from there.
            report = OrtComparison.Compare(rewritten, original, _options with { Rule = EquivalenceRule.Elementwise });
            fallback = $" (no float64 reference: {e.Message})";
        }
        double maxAbs = report.Outputs.Values.Select(m => m.MaxAbs).DefaultIfEmpty(0).Max();
        string rule = report.Rule + fallback;
        if (report.OutputsOnlyInA.Count > 0 || report.OutputsOnlyInB.Count > 0)
            return new EquivalenceResult(false, maxAbs, rule,
                $"outputs differ: only in optimized [{string.Join(", ", report.OutputsOnlyInA)}], only in original [{string.Join(", ", report.OutputsOnlyInB)}]");
        if (report.Scores.Count > 0 && report.Rule.StartsWith("noise", StringComparison.Ordinal))
        {
            var (name, s) = report.Scores.MaxBy(kv => kv.Value.Score);
            string worst = s.Rule == "exact"
                ? $"output '{name}': {s.ExactMismatches} element(s) differ (exact match required)"
                : $"worst output '{name}': score {s.Score:G3} by {s.DecidedBy} (error rms {s.ErrorRms:G3}, max {s.ErrorMax:G3}; floor rms {s.FloorRms:G3}, max {s.FloorMax:G3}, set by {s.FloorSetBy})";
            return new EquivalenceResult(report.Equivalent, maxAbs, rule,
                $"noise-aware: {report.Outputs.Count} output(s) {(report.Equivalent ? "within" : "NOT within")} their noise floor (score <= {NoiseAwareRule.Threshold}), {worst}; max |diff| {maxAbs:G3}");
        }
        var bad = report.Outputs.FirstOrDefault(kv => !kv.Value.Passes);
        string summary = bad.Value is { } m
            ? $"output '{bad.Key}': {m.CountOverTolerance} of {m.Elements} element(s) over tolerance (rtol {m.Rtol:G3}, atol {m.Atol:G3}), max |diff| {m.MaxAbs:G3}{(m.Comparable ? "" : ", shape or type differs")}"
            : $"{report.Outputs.Count} output(s) agree, max |diff| {maxAbs:G3}";
        return new EquivalenceResult(report.Equivalent, maxAbs, rule, summary + fallback);
    }
}
