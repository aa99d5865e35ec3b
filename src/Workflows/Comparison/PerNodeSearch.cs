using OnnxNorm.Ir;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;
using OnnxNorm.Runtime;
using Execution = OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// Finds the first node whose output diverges between the candidate A and the trusted B, for any engine pair
/// (<see cref="PairEngines"/>). Every intermediate value both main graphs compute under the same name from the
/// graph inputs (values made only of constants are skipped, so a changed weight is reported at the node that
/// reads it) is taken from each run, in A's topological order, a bounded chunk at a time (at most
/// <see cref="ComparisonOptions.PerNodeChunkSize"/> values, fewer when they are large, so memory stays bounded).
/// ORT exposes a chunk as extra graph outputs; a native run (the float64 reference above all) runs once and spills
/// its values to a temporary file (<see cref="SpilledValues"/>), read back a chunk at a time. With the noise-aware
/// rule each value is scored like a model output against B's float64 reference run, so a difference still under
/// the noise floor is not a divergence; with the elementwise rule the tolerance decides. A value within the noise it
/// inherits is checked once more with its node run alone (<see cref="IsolatedNodeCheck"/>), which sees the node's own
/// error apart from what it inherits.
/// </summary>
public sealed class PerNodeSearch
{
    private readonly Model _a, _b;
    private readonly string _labelA, _labelB;
    private readonly PairEngines _engines;
    private readonly Execution.KernelRegistry? _candidateRegistry;

    /// <summary>A search of candidate A against trusted B on the given engines.</summary>
    public PerNodeSearch(Model a, Model b, string labelA, string labelB, PairEngines engines)
        : this(a, b, labelA, labelB, engines, candidateRegistry: null) { }

    /// <summary>The same with the operator table the native candidate runs with (null: the built-in one); a test injects
    /// a deliberately broken kernel there to check that the search names the node that runs it.</summary>
    internal PerNodeSearch(Model a, Model b, string labelA, string labelB, PairEngines engines, Execution.KernelRegistry? candidateRegistry)
    {
        _candidateRegistry = candidateRegistry;
        _a = a;
        _b = b;
        _labelA = labelA;
        _labelB = labelB;
        _engines = engines;
    }

    /// <summary>The ORT-vs-ORT search (two models).</summary>
    public static (NodeDivergence? Divergence, List<string> Skipped) Find(Model a, Model b, string labelA, string labelB,
        IReadOnlyDictionary<string, TensorValue> inputs, ComparisonOptions options) =>
        new PerNodeSearch(a, b, labelA, labelB, PairEngines.OrtVsOrt).Find(inputs, options);

    /// <summary>The first node (in topological order) whose output differs beyond tolerance, and the values that could not be compared.</summary>
    public (NodeDivergence? Divergence, List<string> Skipped) Find(IReadOnlyDictionary<string, TensorValue> inputs, ComparisonOptions options)
    {
        var candidates = SharedIntermediates(_a, _b);
        var skipped = new List<string>();
        int compared = 0;
        int maxChunk = Math.Max(1, options.PerNodeChunkSize);
        // Start small: the sizes of the values are only known once one chunk has run.
        int chunkSize = Math.Min(8, maxChunk);
        bool noiseAware = options.Rule == EquivalenceRule.NoiseAware;
        bool half = noiseAware && ReferenceRuns.HasHalfPrecision(_b);
        var sessionOptions = options.Session with { ValidateModel = false, OptimizedModelPath = null };
        bool candidateNative = _engines != PairEngines.OrtVsOrt, trustedNative = _engines == PairEngines.NativeVsNative;
        // Each native side runs once, its values spilled to a temporary file and read back a chunk at a time (the
        // float64 reference is the slowest run by far); ORT exposes a chunk as extra outputs, so it runs per chunk.
        var all = candidates.Select(v => v.Name).ToList();
        using var spilledA = candidateNative ? SpilledValues.Run(_a, all, inputs, Execution.ExecutionPrecision.Native, _candidateRegistry) : null;
        using var spilledB = trustedNative ? SpilledValues.Run(_b, all, inputs, Execution.ExecutionPrecision.Native) : null;
        using var spilledR = noiseAware ? SpilledValues.Run(_b, all, inputs, Execution.ExecutionPrecision.Float64) : null;
        using var spilledD = half ? SpilledValues.Run(_b, all, inputs, Execution.ExecutionPrecision.Declared) : null;
        var isolated = spilledR is null ? null
            : new IsolatedNodeCheck(_a, _b, _labelA, _labelB, _engines, _candidateRegistry, sessionOptions, spilledR, inputs, half);
        for (int start = 0; start < candidates.Count; )
        {
            var chunk = candidates.GetRange(start, Math.Min(chunkSize, candidates.Count - start));
            start += chunk.Count;
            var names = chunk.Select(v => v.Name).ToList();
            var ra = spilledA?.Read(names) ?? OrtValues(_a, _labelA, names, inputs, sessionOptions, skipped);
            var rb = spilledB?.Read(names) ?? OrtValues(_b, _labelB, names, inputs, sessionOptions, skipped);
            var rr = spilledR?.Read(names);
            var rd = spilledD?.Read(names);
            // Size the next chunk from what this one held, so large activations do not pile up.
            long bytes = ra.Values.Sum(v => (long)v.Length * 8) * (noiseAware ? 3 : 2);
            long perValue = ra.Count == 0 ? 0 : bytes / ra.Count;
            int next = perValue == 0 ? maxChunk : (int)Math.Clamp(options.PerNodeByteBudget / perValue, 1, maxChunk);
            foreach (var v in chunk)
            {
                if (!ra.TryGetValue(v.Name, out var a) || !rb.TryGetValue(v.Name, out var b)) continue;
                if (rr is not null && !rr.ContainsKey(v.Name)) continue;
                compared++;
                var metrics = TensorComparer.Compare(a, b, options.Tolerance.For(TensorComparer.ToleranceType(a.ElementType, b.ElementType)));
                OutputScore? score = null;
                if (rr is not null)
                {
                    int axis = ChannelAxis.Of(v.Producer);
                    score = NoiseAwareRule.Score(a, rr[v.Name], ReferenceRuns.NoiseOf($"{_labelB}'s own error", b, rr[v.Name], rd?.GetValueOrDefault(v.Name), axis), axis);
                }
                bool alone = false;
                // In the graph the value may still be within the noise it inherits; the node run alone shows its own error.
                if (score is { Equivalent: true } && isolated?.Score(v, rr![v.Name]) is { Equivalent: false } own)
                {
                    score = own;
                    alone = true;
                }
                if (score is { Equivalent: false } || score is null && !metrics.Passes)
                {
                    var node = v.Producer!;
                    return (new NodeDivergence(node.Name.Length > 0 ? node.Name : $"(unnamed, output '{v.Name}')", node.OpType, v.Name, metrics)
                        { ValuesCompared = compared, Score = score, Isolated = alone }, skipped);
                }
            }
            chunkSize = next;
            // Each chunk leaves activation-sized arrays on the large object heap, which only a full collection
            // reclaims; collecting here keeps the search's footprint near one chunk.
            ra.Clear();
            rb.Clear();
            rr?.Clear();
            GC.Collect();
        }
        return (null, skipped);
    }

    /// <summary>
    /// Node outputs of A's main graph that B's main graph also computes, in A's topological order, leaving out
    /// values computed from constants alone (weights, Constant nodes and what is folded from them): a changed
    /// weight shows at the first node that combines it with data.
    /// </summary>
    public static List<Value> SharedIntermediates(Model a, Model b)
    {
        var list = new List<Value>();
        var dynamic = DataDependent(a.Graph);
        foreach (var node in a.Graph.TopologicalOrder())
        {
            foreach (var v in node.Outputs)
            {
                if (v is null || v.IsGraphOutput || !dynamic.Contains(v)) continue;
                var other = b.Graph.Find(v.Name);
                if (other is null || other.Owner != b.Graph || other.Producer is null || other.IsGraphOutput) continue;
                list.Add(v);
            }
        }
        return list;
    }

    // Values that depend on a graph input (a feed), directly or through other nodes; subgraph captures count.
    internal static HashSet<Value> DataDependent(Graph g)
    {
        var result = new HashSet<Value>(g.Inputs.Where(v => !v.IsInitializer || v.IsOverridableInitializer));
        foreach (var node in g.TopologicalOrder())
        {
            bool fed = node.Inputs.Any(i => i is not null && result.Contains(i))
                || node.Subgraphs.Values.Any(sg => sg.CapturedValues().Any(result.Contains));
            if (!fed) continue;
            foreach (var o in node.Outputs) if (o is not null) result.Add(o);
        }
        return result;
    }

    private static Dictionary<string, TensorValue> OrtValues(Model m, string label, List<string> names,
        IReadOnlyDictionary<string, TensorValue> inputs, OrtSessionOptions sessionOptions, List<string> skipped)
    {
        try
        {
            return RunWithExtraOutputs(m, label, names, inputs, sessionOptions);
        }
        catch (BadInputException) when (names.Count > 1)
        {
            // ORT rejected some value as a graph output (e.g. not a tensor, or a type it cannot infer): retry
            // one by one and skip the ones it rejects.
            var merged = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
            foreach (var n in names)
            {
                try
                {
                    foreach (var kv in RunWithExtraOutputs(m, label, new List<string> { n }, inputs, sessionOptions)) merged[kv.Key] = kv.Value;
                }
                catch (BadInputException) { if (!skipped.Contains(n)) skipped.Add(n); }
            }
            return merged;
        }
        catch (BadInputException)
        {
            if (!skipped.Contains(names[0])) skipped.Add(names[0]);
            return new();
        }
    }

    private static Dictionary<string, TensorValue> RunWithExtraOutputs(Model m, string label, List<string> names,
        IReadOnlyDictionary<string, TensorValue> inputs, OrtSessionOptions sessionOptions)
    {
        byte[] bytes;
        using (var copy = m.Clone())
        {
            // Graph outputs without a declared type are fine for ORT: it infers the type while resolving.
            foreach (var n in names) copy.Graph.AddOutput(copy.Graph.Find(n)!);
            bytes = ModelSaver.ToBytes(copy);
        }
        using var engine = OrtEngine.FromBytes(bytes, label, sessionOptions);
        var feed = ComparisonInputs.AdaptTo(engine.Inputs, inputs);
        return engine.Run(feed, names);
    }
}
