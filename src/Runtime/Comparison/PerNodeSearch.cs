using OnnxNorm.Graph;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Runtime.Comparison;

/// <summary>
/// Finds the first node whose output differs between two models: every intermediate value both main graphs
/// define under the same name is exposed as an extra graph output, in model A's topological order, a bounded
/// chunk at a time (at most <see cref="ComparisonOptions.PerNodeChunkSize"/> values, fewer when they are large, so
/// memory stays bounded on large models), and compared like a model output. The search
/// stops at the first chunk holding a value over tolerance.
/// </summary>
public static class PerNodeSearch
{
    public static (NodeDivergence? Divergence, List<string> Skipped) Find(Model a, Model b, string labelA, string labelB,
        IReadOnlyDictionary<string, TensorValue> inputs, ComparisonOptions options)
    {
        var candidates = SharedIntermediates(a, b);
        var skipped = new List<string>();
        int compared = 0;
        int maxChunk = Math.Max(1, options.PerNodeChunkSize);
        // Start small: the sizes of the values are only known once one chunk has run.
        int chunkSize = Math.Min(8, maxChunk);
        var sessionOptions = options.Session with { ValidateModel = false, OptimizedModelPath = null };
        for (int start = 0; start < candidates.Count; )
        {
            var chunk = candidates.GetRange(start, Math.Min(chunkSize, candidates.Count - start));
            start += chunk.Count;
            var results = RunChunk(a, b, labelA, labelB, chunk, inputs, sessionOptions, skipped);
            // Size the next chunk from what this one held, so large activations do not pile up.
            long bytes = results.Values.Sum(p => (long)p.A.AsBytesOrEmpty().Length + p.B.AsBytesOrEmpty().Length);
            long perValue = results.Count == 0 ? 0 : bytes / results.Count;
            int next = perValue == 0 ? maxChunk : (int)Math.Clamp(options.PerNodeByteBudget / perValue, 1, maxChunk);
            foreach (var v in chunk)
            {
                if (!results.TryGetValue(v.Name, out var pair)) continue;
                compared++;
                var metrics = TensorComparer.Compare(pair.A, pair.B, options.Tolerance.For(TensorComparer.ToleranceType(pair.A.ElementType, pair.B.ElementType)));
                if (!metrics.Passes)
                {
                    var node = v.Producer!;
                    return (new NodeDivergence(node.Name.Length > 0 ? node.Name : $"(unnamed, output '{v.Name}')", node.OpType, v.Name, metrics)
                        { ValuesCompared = compared }, skipped);
                }
            }
            chunkSize = next;
            // Each chunk leaves model-sized and activation-sized arrays on the large object heap, which only
            // a full collection reclaims; collecting here keeps the search's footprint near one chunk
            // instead of letting garbage from every chunk pile up first.
            results.Clear();
            GC.Collect();
        }
        return (null, skipped);
    }

    private static ReadOnlySpan<byte> AsBytesOrEmpty(this TensorValue v) => v.ElementType == ElementType.String ? default : v.AsBytes();

    /// <summary>Node outputs of A's main graph that B's main graph also computes, in A's topological order.</summary>
    public static List<Value> SharedIntermediates(Model a, Model b)
    {
        var list = new List<Value>();
        foreach (var node in a.Graph.TopologicalOrder())
        {
            foreach (var v in node.Outputs)
            {
                if (v is null || v.IsGraphOutput) continue;
                var other = b.Graph.Find(v.Name);
                if (other is null || other.Owner != b.Graph || other.Producer is null || other.IsGraphOutput) continue;
                list.Add(v);
            }
        }
        return list;
    }

    private static Dictionary<string, (TensorValue A, TensorValue B)> RunChunk(Model a, Model b, string labelA, string labelB,
        List<Value> chunk, IReadOnlyDictionary<string, TensorValue> inputs, OrtSessionOptions sessionOptions, List<string> skipped)
    {
        try
        {
            return RunExposed(a, b, labelA, labelB, chunk.Select(v => v.Name).ToList(), inputs, sessionOptions);
        }
        catch (BadInputException) when (chunk.Count > 1)
        {
            // ORT rejected some value as a graph output (e.g. not a tensor, or a type it cannot infer): retry
            // one by one and skip the ones it rejects.
            var merged = new Dictionary<string, (TensorValue, TensorValue)>(StringComparer.Ordinal);
            foreach (var v in chunk)
            {
                try
                {
                    foreach (var kv in RunExposed(a, b, labelA, labelB, new List<string> { v.Name }, inputs, sessionOptions)) merged[kv.Key] = kv.Value;
                }
                catch (BadInputException) { skipped.Add(v.Name); }
            }
            return merged;
        }
        catch (BadInputException)
        {
            skipped.Add(chunk[0].Name);
            return new();
        }
    }

    private static Dictionary<string, (TensorValue A, TensorValue B)> RunExposed(Model a, Model b, string labelA, string labelB,
        List<string> names, IReadOnlyDictionary<string, TensorValue> inputs, OrtSessionOptions sessionOptions)
    {
        var ra = RunWithExtraOutputs(a, labelA, names, inputs, sessionOptions);
        var rb = RunWithExtraOutputs(b, labelB, names, inputs, sessionOptions);
        var result = new Dictionary<string, (TensorValue, TensorValue)>(StringComparer.Ordinal);
        foreach (var n in names) result[n] = (ra[n], rb[n]);
        return result;
    }

    private static Dictionary<string, TensorValue> RunWithExtraOutputs(Model m, string label, List<string> names,
        IReadOnlyDictionary<string, TensorValue> inputs, OrtSessionOptions sessionOptions)
    {
        var outputs = m.Graph.Outputs;
        int original = outputs.Count;
        byte[] bytes;
        try
        {
            // Graph outputs without a declared type are fine for ORT: it infers the type while resolving.
            foreach (var n in names) outputs.Add(m.Graph.Find(n)!);
            bytes = ModelSaver.ToBytes(m);
        }
        finally { outputs.RemoveRange(original, outputs.Count - original); }
        using var engine = OrtEngine.FromBytes(bytes, label, sessionOptions);
        var feed = ComparisonInputs.AdaptTo(engine.Inputs, inputs);
        return engine.Run(feed, names);
    }
}
