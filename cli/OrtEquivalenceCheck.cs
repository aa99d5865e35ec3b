using OnnxNorm.Passes;
using OnnxNorm.Runtime.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli;

/// <summary>
/// `optimize --verify`: the original and the rewritten model through <see cref="OrtComparison"/> (the same
/// check as `compare`): ONNX Runtime with graph optimisations off, so ORT's own BN fusion cannot hide a
/// wrong fold; seeded inputs; per-dtype tolerances (the `close` preset).
/// </summary>
public sealed class OrtEquivalenceCheck : IEquivalenceCheck
{
    private readonly ComparisonOptions _options;

    public OrtEquivalenceCheck(ulong seed = 0, ShapeOverrides? shapes = null)
    {
        _options = new ComparisonOptions
        {
            Seed = seed,
            Shapes = shapes ?? ShapeOverrides.Empty,
            Session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled },
        };
    }

    public string Name => $"onnxruntime {OrtSession.RuntimeVersion} (graph optimisations off)";

    public EquivalenceResult Compare(byte[] originalModel, byte[] rewrittenModel)
    {
        var report = OrtComparison.Compare(ModelSource.FromBytes(originalModel, "original"), ModelSource.FromBytes(rewrittenModel, "optimized"), _options);
        double maxAbs = report.Outputs.Values.Select(m => m.MaxAbs).DefaultIfEmpty(0).Max();
        string summary;
        if (report.Equivalent)
        {
            summary = $"{report.Outputs.Count} output(s) agree, max |diff| {maxAbs:G3}";
        }
        else if (WithinFloat32Noise(originalModel, report, out var noiseSummary))
        {
            return new EquivalenceResult(true, maxAbs, report.Tolerance, noiseSummary);
        }
        else
        {
            var bad = report.Outputs.FirstOrDefault(kv => !kv.Value.Passes);
            summary = bad.Value is { } m
                ? $"output '{bad.Key}': {m.CountOverTolerance} of {m.Elements} element(s) over tolerance (rtol {m.Rtol:G3}, atol {m.Atol:G3}), max |diff| {m.MaxAbs:G3}{(m.Comparable ? "" : ", shape or type differs")}"
                : $"outputs differ: only in original [{string.Join(", ", report.OutputsOnlyInA)}], only in optimized [{string.Join(", ", report.OutputsOnlyInB)}]";
        }
        return new EquivalenceResult(report.Equivalent, maxAbs, report.Tolerance, summary);
    }

    /// <summary>How far past ORT's own rewrite of the original a rewritten model may land and still count as the same.</summary>
    public const double NoiseFactor = 1.5;

    /// <summary>
    /// A deep float32 network is sensitive to rounding: reordering one sum moves its logits by more than the
    /// fixed tolerance (resnet50: 4e-5). So when the fixed tolerance fails, the rewritten model is held to the
    /// float32 noise of the original, measured as the difference ORT's own optimised session (its Conv+BN
    /// fusion, its kernels) makes on the same inputs: every output's max |diff| at most 1.5× that.
    /// </summary>
    private bool WithinFloat32Noise(byte[] original, ComparisonReport report, out string summary)
    {
        summary = "";
        if (report.OutputsOnlyInA.Count > 0 || report.OutputsOnlyInB.Count > 0 || report.Outputs.Values.Any(m => !m.Comparable)) return false;
        var session = _options.Session with { ValidateModel = false };
        using var plain = OrtEngine.FromBytes(original, "original", session);
        using var fused = OrtEngine.FromBytes(original, "original (ORT-optimised)", session with { OptimizationLevel = GraphOptimizationLevel.All });
        var noise = EngineComparison.Compare(plain, fused, "original", "original (ORT-optimised)", _options, out _);
        double worstRatio = 0;
        foreach (var (name, m) in report.Outputs)
        {
            if (m.Passes) continue;
            double floor = noise.Outputs.TryGetValue(name, out var n) ? n.MaxAbs : 0;
            if (!(m.MaxAbs <= NoiseFactor * floor)) return false;
            worstRatio = Math.Max(worstRatio, m.MaxAbs / floor);
        }
        double maxAbs = report.Outputs.Values.Max(m => m.MaxAbs);
        double noiseMax = noise.Outputs.Values.Select(m => m.MaxAbs).DefaultIfEmpty(0).Max();
        summary = $"{report.Outputs.Count} output(s) agree within float32 noise: max |diff| {maxAbs:G3}, over the fixed tolerance but at most " +
                  $"{worstRatio:G2}x the {noiseMax:G3} that ORT's own optimised session differs by (limit {NoiseFactor}x)";
        return true;
    }
}
