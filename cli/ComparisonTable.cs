using System.Globalization;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Comparison.NoiseAware;

namespace OnnxNorm.Cli;

/// <summary>Prints a <see cref="ComparisonReport"/> as a readable table (the per-output rows are a <see cref="PlainTable"/>).</summary>
public static class ComparisonTable
{
    public static void Write(TextWriter o, ComparisonReport r)
    {
        o.WriteLine($"compare    {r.ModelA} ({r.EngineA}) vs {r.ModelB} ({r.EngineB}, reference)");
        o.WriteLine($"rule       {(r.Rule.Length > 0 ? r.Rule : "elementwise")}");
        if (!r.Rule.StartsWith("noise", StringComparison.Ordinal)) o.WriteLine($"tolerance  {r.Tolerance}");
        foreach (var (name, source) in r.Inputs) o.WriteLine($"input      {name}: {source}");
        o.WriteLine();
        var rows = new PlainTable("output", "dtype", "shape", "max abs", "max rel", "mean abs", "cosine", "max ulp", "over tol", "argmax", "top5", "result");
        bool byScore = r.Scores.Count > 0 && r.Rule.StartsWith("noise", StringComparison.Ordinal);
        foreach (var (name, m) in r.Outputs) rows.Row(Row(name, m, byScore));
        if (r.Scores.Count > 0)
        {
            // The elementwise columns stay for reference; the score column decides under the noise-aware rule.
            o.WriteLine($"noise-aware score = error of {r.ModelA} ({r.EngineA}) against the float64 reference of {r.ModelB} / noise floor; equivalent when <= {NoiseAwareRule.Threshold}");
            var srows = new PlainTable("output", "score", "decided by", "error rms", "error max", "floor rms", "floor max", "floor set by", "result");
            foreach (var (name, s) in r.Scores)
                srows.Row(new[]
                {
                    name, Score(s.Score), s.DecidedBy, Num(s.ErrorRms), Num(s.ErrorMax), Num(s.FloorRms), Num(s.FloorMax),
                    s.Rule == "exact" ? $"exact match ({s.ExactMismatches} differ)" : s.FloorSetBy, s.Equivalent ? "ok" : "FAIL",
                });
            srows.WriteTo(o);
            o.WriteLine();
        }
        rows.WriteTo(o);
        foreach (var n in r.OutputsOnlyInA) o.WriteLine($"output '{n}' is only in {r.ModelA}");
        foreach (var n in r.OutputsOnlyInB) o.WriteLine($"output '{n}' is only in {r.ModelB}");
        if (r.PerNodeSearched)
        {
            o.WriteLine();
            if (r.FirstDivergence is { } d)
            {
                var m = d.Metrics;
                o.WriteLine($"first divergence: node '{d.Node}' ({d.Op}), output '{d.Output}'");
                o.WriteLine($"  {m.ElementType}[{string.Join(',', m.Shape)}]  max abs {Num(m.MaxAbs)}  max rel {Num(m.MaxRel)}  cosine {Cos(m.Cosine)}  " +
                    $"over tolerance {m.CountOverTolerance}/{m.Elements}  ({d.ValuesCompared} shared values compared)");
                if (d.Score is { } s)
                    o.WriteLine($"  {(d.Isolated ? "the node alone (on the reference's inputs): " : "")}score {Score(s.Score)} by {s.DecidedBy} (error rms {Num(s.ErrorRms)}, max {Num(s.ErrorMax)}; floor rms {Num(s.FloorRms)}, max {Num(s.FloorMax)}, set by {s.FloorSetBy})");
            }
            else o.WriteLine(r.Scores.Count > 0 ? "per node: no shared intermediate value scores above the threshold" : "per node: no shared intermediate value exceeds the tolerance");
            if (r.PerNodeSkipped.Count > 0)
                o.WriteLine($"per node: ONNX Runtime could not expose {r.PerNodeSkipped.Count} value(s) as outputs; skipped: {string.Join(", ", r.PerNodeSkipped.Take(10))}{(r.PerNodeSkipped.Count > 10 ? ", ..." : "")}");
        }
        o.WriteLine();
        if (!r.Equivalent && r.FirstDivergence?.Score is not null && r.Scores.Values.All(s => s.Equivalent))
            o.WriteLine("the outputs agree within their noise floor, but an intermediate value diverges beyond its own");
        o.WriteLine(r.Equivalent ? "result: EQUIVALENT" : "result: NOT EQUIVALENT");
    }

    private static string[] Row(string name, TensorMetrics m, bool informational)
    {
        if (!m.Comparable)
            return new[] { name, m.ElementType + (m.ReferenceElementType is { } t ? $"/{t}" : ""), $"[{string.Join(',', m.Shape)}]/[{string.Join(',', m.ReferenceShape ?? m.Shape)}]", "-", "-", "-", "-", "-", "-", "-", "-", "MISMATCH" };
        return new[]
        {
            name, m.ElementType + (m.ReferenceElementType is { } rt ? $"/{rt}" : ""), $"[{string.Join(',', m.Shape)}]", Num(m.MaxAbs), Num(m.MaxRel), Num(m.MeanAbs), Cos(m.Cosine),
            m.MaxUlp.ToString(CultureInfo.InvariantCulture), $"{m.CountOverTolerance}/{m.Elements}",
            m.ArgmaxAgreement is { } a ? a.ToString("0.00", CultureInfo.InvariantCulture) : "-",
            m.Top5Agreement is { } t5 ? t5.ToString("0.00", CultureInfo.InvariantCulture) : "-",
            m.Passes ? "ok" : informational ? "over tol" : "FAIL",
        };
    }

    private static string Score(double x) => double.IsPositiveInfinity(x) ? "inf" : x.ToString(x < 100 ? "0.00" : "0.##e+0", CultureInfo.InvariantCulture);

    private static string Num(double x) => x == 0 ? "0" : x.ToString("0.###e+0", CultureInfo.InvariantCulture);
    private static string Cos(double x) => double.IsNaN(x) ? "-" : x.ToString("0.000000", CultureInfo.InvariantCulture);
}
