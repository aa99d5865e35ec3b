using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Ort;

/// <summary>
/// ONNX Runtime as an activation engine: ORT cannot call back mid-graph, so a copy of the model lists every
/// watched value as an extra graph output. Graph optimisations stay off so a watched value is never fused away.
/// </summary>
public sealed class OrtActivationEngine : IActivationEngine
{
    private readonly OrtSession _session;
    private readonly List<string> _outputs;
    private readonly List<string> _fromFeeds;
    private readonly IReadOnlySet<string> _watched;
    // The last batch's outputs: handed over only for the duration of the callbacks, so the next batch is
    // copied into the same arrays.
    private Dictionary<string, TensorValue>? _previous;

    private OrtActivationEngine(OrtSession session, List<string> outputs, List<string> fromFeeds, IReadOnlySet<string> watched)
    {
        _session = session; _outputs = outputs; _fromFeeds = fromFeeds; _watched = watched;
    }

    /// <summary>An engine on ONNX Runtime over a copy of <paramref name="model"/> in which every watched value is an extra output.</summary>
    public static IActivationEngine Create(Model model, IReadOnlySet<string> watched)
    {
        using var copy = model.Clone();
        var g = copy.Graph;
        var fromFeeds = new List<string>();
        var outputs = new List<string>();
        foreach (var name in watched.Order(StringComparer.Ordinal))
        {
            var v = g.Find(name) ?? throw new InvalidOperationException($"watched value '{name}' is not in the model");
            if (v.IsGraphInput) { fromFeeds.Add(name); continue; }
            if (v.IsGraphOutput) { outputs.Add(name); continue; }
            if (!v.HasDeclaredType) v.DeclareTensorType(ElementTypeOf(v), null);
            g.AddOutput(v);
            outputs.Add(name);
        }
        // With nothing to watch (plain inference, for timing) the model's own outputs are computed.
        if (outputs.Count == 0) outputs.AddRange(g.Outputs.Select(o => o.Name));
        var session = OrtSession.FromBytes(ModelSaver.ToBytes(copy), OrtSessionOptions.Default, copy.Graph.Name);
        return new OrtActivationEngine(session, outputs, fromFeeds, watched);
    }

    // A BN input has the BN's element type T; the scale tensor has it too (before BN-15's T1 split, and in practice after).
    private static ElementType ElementTypeOf(Value v)
    {
        if (v.ElementType != ElementType.Undefined) return v.ElementType;
        foreach (var use in v.Uses)
            if (use.Node.OpType == "BatchNormalization" && use.Node.Input(1) is { } s && s.ElementType != ElementType.Undefined)
                return s.ElementType;
        return ElementType.Float;
    }

    /// <inheritdoc/>
    public void Run(IReadOnlyDictionary<string, TensorValue> feeds, Action<string, TensorValue> onWatched)
    {
        foreach (var name in _fromFeeds) onWatched(name, feeds[name]);
        var result = _session.Run(feeds, _outputs, _previous);
        // ORT hands every watched value over at once, so their reductions can use every core, as ORT does.
        var watched = result.Where(kv => _watched.Contains(kv.Key)).ToList();
        Parallel.ForEach(watched, kv => onWatched(kv.Key, kv.Value));
        _previous = result;
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
