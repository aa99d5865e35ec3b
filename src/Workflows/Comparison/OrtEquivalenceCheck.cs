using OnnxNorm.Passes;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Graph;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Comparison;

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

    /// <summary>How far past the original's own float32 noise a rewritten model may land and still count as the same.</summary>
    public const double NoiseFactor = 1.5;

    /// <summary>
    /// A deep float32 network is sensitive to rounding: reordering one sum moves its logits by more than the
    /// fixed tolerance (resnet50: 4e-5). So when the fixed tolerance fails, the rewritten model is held to the
    /// float32 noise of the original: how far two float32 evaluations of the same unfolded graph land apart,
    /// ORT's and OnnxNorm's native executor (its own Conv+BN and activation fusions off, so it rewrites
    /// nothing). Every output's max |diff| must be at most 1.5× that. A fold that loses real precision (say, a
    /// cancellation the original rounds and the fold does not) is far past it, since both evaluations of the
    /// original round the same way.
    /// </summary>
    private bool WithinFloat32Noise(byte[] original, ComparisonReport report, out string summary)
    {
        summary = "";
        if (report.OutputsOnlyInA.Count > 0 || report.OutputsOnlyInB.Count > 0 || report.Outputs.Values.Any(m => !m.Comparable)) return false;
        ComparisonReport noise;
        try
        {
            using var ort = OrtEngine.FromBytes(original, "original", _options.Session with { ValidateModel = false });
            using var native = new NativeEngine(ModelLoader.Load(original, "original"),
                new SessionOptions { Threads = 2, FoldBatchNorm = false, FuseActivations = false });
            noise = EngineComparison.Compare(ort, native, "original (ORT)", "original (native)", _options, out _);
        }
        catch (BadInputException)
        {
            // The native executor cannot run this model (an op it lacks): no noise estimate, the fixed tolerance stands.
            return false;
        }
        double worstRatio = 0;
        foreach (var (name, m) in report.Outputs)
        {
            if (m.Passes) continue;
            double floor = noise.Outputs.TryGetValue(name, out var n) && n.Comparable ? n.MaxAbs : 0;
            if (!(m.MaxAbs <= NoiseFactor * floor)) return false;
            worstRatio = Math.Max(worstRatio, m.MaxAbs / floor);
        }
        double maxAbs = report.Outputs.Values.Max(m => m.MaxAbs);
        double noiseMax = noise.Outputs.Values.Select(m => m.MaxAbs).DefaultIfEmpty(0).Max();
        summary = $"{report.Outputs.Count} output(s) agree within float32 noise: max |diff| {maxAbs:G3}, over the fixed tolerance but at most " +
                  $"{worstRatio:G2}x the {noiseMax:G3} between two float32 evaluations of the original (ORT and the native executor; limit {NoiseFactor}x)";
        return true;
    }
}
