using OnnxNorm.Graph;
using OnnxNorm.Passes;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli;

/// <summary>
/// `optimize --verify`: runs the original and the rewritten model in ONNX Runtime with its graph
/// optimisations off (ORT's own BN fusion would otherwise hide a wrong fold) on the same seeded inputs,
/// and compares every output with a tolerance that follows the output's dtype.
/// </summary>
public sealed class OrtEquivalenceCheck : IEquivalenceCheck
{
    private readonly int _seed;
    private readonly long _symbolicDim;

    /// <param name="seed">Seed of the inputs (System.Random with a seed is stable across runs).</param>
    /// <param name="symbolicDim">Size used for a symbolic dim other than the first (the batch, which gets 1).</param>
    public OrtEquivalenceCheck(int seed = 1234, long symbolicDim = 64)
    {
        _seed = seed;
        _symbolicDim = symbolicDim;
    }

    public string Name => $"onnxruntime {OrtSession.RuntimeVersion} (graph optimisations off)";

    /// <summary>
    /// Allowed |difference| per unit of the output's largest magnitude. Folding rounds each weight once to
    /// the dtype, so the bound is a few ulps of the dtype times the accumulation depth.
    /// </summary>
    public static double RelativeTolerance(ElementType t) => t switch
    {
        ElementType.Double => 1e-9,
        ElementType.Float => 1e-4,
        ElementType.Float16 => 2e-2,
        ElementType.BFloat16 => 6e-2,
        _ => 0,
    };

    public EquivalenceResult Compare(byte[] originalModel, byte[] rewrittenModel)
    {
        var options = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = 1, InterOpThreads = 1 };
        using var original = OrtSession.FromBytes(originalModel, options, "original");
        using var rewritten = OrtSession.FromBytes(rewrittenModel, options, "rewritten");
        var feeds = SeededInputs(original.Inputs);
        var expected = original.Run(feeds);
        var actual = rewritten.Run(feeds);

        double worst = 0, worstTolerance = 0;
        string? failure = null;
        foreach (var (name, e) in expected)
        {
            if (!actual.TryGetValue(name, out var a)) { failure ??= $"output '{name}' is missing from the rewritten model"; continue; }
            if (!e.Shape.SequenceEqual(a.Shape)) { failure ??= $"output '{name}' has shape [{string.Join(',', a.Shape)}], expected [{string.Join(',', e.Shape)}]"; continue; }
            if (e.ElementType != a.ElementType) { failure ??= $"output '{name}' is {a.ElementType.Name()}, expected {e.ElementType.Name()}"; continue; }
            if (e.ElementType == ElementType.String) continue;
            double[] ev = e.ToDoubles(), av = a.ToDoubles();
            double scale = Math.Max(1.0, ev.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
            double tolerance = RelativeTolerance(e.ElementType) * scale;
            for (int i = 0; i < ev.Length; i++)
            {
                if (double.IsNaN(ev[i]) != double.IsNaN(av[i])) { failure ??= $"output '{name}'[{i}]: {ev[i]} vs {av[i]}"; break; }
                if (double.IsNaN(ev[i])) continue;
                double diff = ev[i] == av[i] ? 0 : Math.Abs(ev[i] - av[i]);
                if (diff > worst) { worst = diff; worstTolerance = tolerance; }
                if (!(diff <= tolerance)) { failure ??= $"output '{name}'[{i}]: original {ev[i]:G7}, rewritten {av[i]:G7} (tolerance {tolerance:G3})"; break; }
            }
        }
        foreach (var name in actual.Keys.Except(expected.Keys)) failure ??= $"the rewritten model has an extra output '{name}'";
        return failure is null
            ? new EquivalenceResult(true, worst, worstTolerance, $"{expected.Count} output(s) agree, max |diff| {worst:G3}")
            : new EquivalenceResult(false, worst, worstTolerance, failure);
    }

    private Dictionary<string, TensorValue> SeededInputs(IReadOnlyList<OrtValueInfo> inputs)
    {
        var rng = new Random(_seed);
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var info in inputs)
        {
            var shape = info.Dims.Select((d, i) => d >= 0 ? d : i == 0 ? 1 : _symbolicDim).ToArray();
            var v = TensorValue.Allocate(info.ElementType, shape);
            switch (v.Buffer)
            {
                case float[] f: for (int i = 0; i < v.Length; i++) f[i] = (float)Normal(rng); break;
                case double[] d: for (int i = 0; i < v.Length; i++) d[i] = Normal(rng); break;
                case Half[] h: for (int i = 0; i < v.Length; i++) h[i] = (Half)Normal(rng); break;
                case ushort[] u when info.ElementType == ElementType.BFloat16:
                    for (int i = 0; i < v.Length; i++) u[i] = FloatBits.SingleToBFloat16((float)Normal(rng));
                    break;
                case bool[] b: Array.Fill(b, true); break;
                default: break; // integer inputs stay 0: a valid index or count for most models
            }
            feeds[info.Name] = v;
        }
        return feeds;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
