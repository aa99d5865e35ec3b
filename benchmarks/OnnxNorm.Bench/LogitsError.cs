using OnnxNorm.Bench.Precision;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Bench;

/// <summary>
/// The precision rows: the logits of folded models, run in ORT with graph optimisations off on the inputs
/// `onnxnorm compare --seed S --shape input=8x3x224x224` generates, against (a) the unfolded model run the
/// same way (the criterion) and (b) a float64 evaluation of the unfolded model (its real-number output).
/// </summary>
public static class LogitsError
{
    public sealed record Errors(double MeanVsOriginal, double MaxVsOriginal, double MeanVsFloat64);

    public static (Errors Original, IReadOnlyList<Errors> Candidates) Measure(string original, IReadOnlyList<string> candidates, int seeds, int batch)
    {
        var session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, ValidateModel = false };
        using var orig = OrtEngine.FromFile(original, session);
        var engines = candidates.Select(c => OrtEngine.FromFile(c, session)).ToList();
        using var model = ModelLoader.Load(original);
        var reference = new DoubleReference(model, Environment.ProcessorCount);
        var options = new ComparisonOptions { Shapes = ShapeOverrides.Parse(new[] { $"input={batch}x3x224x224" }) };
        var sums = new double[candidates.Count + 1, 3];
        long count = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            var (inputs, _) = ComparisonInputs.Prepare(orig.Inputs, options with { Seed = (ulong)seed });
            string output = orig.Outputs[0].Name;
            var baseline = (float[])orig.Run(inputs)[output].Buffer;
            var input = inputs.Values.Single();
            double[] truth = reference.Run((float[])input.Buffer, input.Shape);
            Accumulate(sums, 0, baseline, baseline, truth);
            for (int c = 0; c < engines.Count; c++)
                Accumulate(sums, c + 1, (float[])engines[c].Run(inputs)[output].Buffer, baseline, truth);
            count += baseline.Length;
        }
        foreach (var e in engines) e.Dispose();
        Errors At(int i) => new(sums[i, 0] / count, sums[i, 1], sums[i, 2] / count);
        return (At(0), Enumerable.Range(1, candidates.Count).Select(At).ToList());
    }

    private static void Accumulate(double[,] sums, int row, float[] logits, float[] baseline, double[] truth)
    {
        for (int i = 0; i < logits.Length; i++)
        {
            double e = Math.Abs((double)logits[i] - baseline[i]);
            sums[row, 0] += e;
            sums[row, 1] = Math.Max(sums[row, 1], e);
            sums[row, 2] += Math.Abs(logits[i] - truth[i]);
        }
    }
}
