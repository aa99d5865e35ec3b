using OnnxNorm.Passes;
using OnnxNorm.Runtime.Comparison;
using OnnxNorm.Runtime.Data;
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
        else
        {
            var bad = report.Outputs.FirstOrDefault(kv => !kv.Value.Passes);
            summary = bad.Value is { } m
                ? $"output '{bad.Key}': {m.CountOverTolerance} of {m.Elements} element(s) over tolerance (rtol {m.Rtol:G3}, atol {m.Atol:G3}), max |diff| {m.MaxAbs:G3}{(m.Comparable ? "" : ", shape or type differs")}"
                : $"outputs differ: only in original [{string.Join(", ", report.OutputsOnlyInA)}], only in optimized [{string.Join(", ", report.OutputsOnlyInB)}]";
        }
        return new EquivalenceResult(report.Equivalent, maxAbs, report.Tolerance, summary);
    }
}
