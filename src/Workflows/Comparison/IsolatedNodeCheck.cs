using OnnxNorm.Ir;
using OnnxNorm.Ort;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using Execution = OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// The per-node search's isolated check: a node of A and the node of B computing the same value are each run alone
/// (<see cref="Execution.NodeModel"/>) on their engines with the same inputs, the float64 reference's values of the
/// node's inputs rounded to their declared types, and scored like an output against B's node alone in float64 on
/// those inputs. The node's own error is then measured apart from the error it inherits: in a float16 model the
/// noise a value accumulates through dozens of rounded layers can be a third of a 1% change of one channel, while one
/// node's own float16 rounding is a twentieth of it. Nodes are compared only when both compute the value with the
/// same operator from the same data inputs (constants may differ: that is the change being looked for); a node is
/// skipped when both sides run the same engine on identical node models (they compute the same bits), and when it
/// has a subgraph, a random operator, or only non-floating-point outputs.
/// </summary>
internal sealed class IsolatedNodeCheck
{
    private static readonly HashSet<string> RandomOps = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    };

    private readonly Model _a, _b;
    private readonly PairEngines _engines;
    private readonly Execution.KernelRegistry? _candidateRegistry;
    private readonly OrtSessionOptions _session;
    private readonly string _labelA, _labelB;
    private readonly SpilledValues _reference;
    private readonly IReadOnlyDictionary<string, TensorValue> _inputs;
    private readonly HashSet<Value> _dynamicA, _dynamicB;
    private readonly Dictionary<Value, ElementType> _declaredB;
    private readonly bool _half;

    public IsolatedNodeCheck(Model a, Model b, string labelA, string labelB, PairEngines engines, Execution.KernelRegistry? candidateRegistry,
        OrtSessionOptions session, SpilledValues reference, IReadOnlyDictionary<string, TensorValue> inputs, bool half)
    {
        _a = a;
        _b = b;
        _labelA = labelA;
        _labelB = labelB;
        _engines = engines;
        _candidateRegistry = candidateRegistry;
        _session = session;
        _reference = reference;
        _inputs = inputs;
        _half = half;
        _dynamicA = PerNodeSearch.DataDependent(a.Graph);
        _dynamicB = ReferenceEquals(a, b) ? _dynamicA : PerNodeSearch.DataDependent(b.Graph);
        _declaredB = DeclaredTypes(b.Graph);
    }

    /// <summary>The score of A's node alone for value <paramref name="v"/> (a value of A whose float64 reference is
    /// <paramref name="reference"/>), or null when it is not checked.</summary>
    public OutputScore? Score(Value v, TensorValue reference)
    {
        if (!reference.ElementType.IsFloatingPoint()) return null;
        if (v.Producer is not { } na || _b.Graph.Find(v.Name) is not { Producer: { } nb } vb || !Comparable(na, nb, v, vb)) return null;
        var feed = Feed(nb);
        if (feed is null) return null;
        var bytesB = Execution.NodeModel.Build(nb, feed);
        var bytesA = ReferenceEquals(na, nb) ? bytesB : Execution.NodeModel.Build(na, feed);
        if (bytesA is null || bytesB is null) return null;
        // Same engine, same node model: the same bits on both sides.
        if (_engines != PairEngines.NativeVsOrt && bytesA.AsSpan().SequenceEqual(bytesB)) return null;
        try
        {
            var a = _engines == PairEngines.OrtVsOrt ? OnOrt(bytesA, _labelA, feed, v.Name) : OnNative(bytesA, feed, v.Name, Execution.ExecutionPrecision.Native, _candidateRegistry);
            var b = _engines == PairEngines.NativeVsNative ? OnNative(bytesB, feed, v.Name, Execution.ExecutionPrecision.Native, null) : OnOrt(bytesB, _labelB, feed, v.Name);
            var r = OnNative(bytesB, feed, v.Name, Execution.ExecutionPrecision.Float64, null);
            var d = _half ? OnNative(bytesB, feed, v.Name, Execution.ExecutionPrecision.Declared, null) : null;
            int axis = ChannelAxis.Of(nb);
            return NoiseAwareRule.Score(a, r, ReferenceRuns.NoiseOf($"{_labelB}'s own error, the node alone", b, r, d, axis), axis);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An engine that cannot run the node on its own (a type or shape it only gets from the full graph) leaves
            // the value to the in-graph score.
            return null;
        }
    }

    // The same operator on the same data inputs; constant inputs may differ (a changed weight), but must be constants on both sides.
    private bool Comparable(Node na, Node nb, Value va, Value vb)
    {
        if (na.OpType != nb.OpType || na.Domain != nb.Domain || na.Subgraphs.Count > 0 || nb.Subgraphs.Count > 0 || RandomOps.Contains(na.OpType)) return false;
        if (va.ProducerOutputIndex != vb.ProducerOutputIndex || na.Inputs.Count != nb.Inputs.Count) return false;
        for (int i = 0; i < na.Inputs.Count; i++)
        {
            Value? x = na.Inputs[i], y = nb.Inputs[i];
            if (x is not { Name.Length: > 0 } || y is not { Name.Length: > 0 })
            {
                if (x is { Name.Length: > 0 } || y is { Name.Length: > 0 }) return false;
                continue;
            }
            bool dx = _dynamicA.Contains(x), dy = _dynamicB.Contains(y);
            if (dx != dy || dx && x.Name != y.Name) return false;
        }
        return true;
    }

    // B's node's data inputs: the graph's inputs as given, the rest from the float64 reference rounded to their declared types.
    private Dictionary<string, TensorValue>? Feed(Node nb)
    {
        var feed = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var i in nb.Inputs)
        {
            if (i is not { Name.Length: > 0 } || !_dynamicB.Contains(i) || feed.ContainsKey(i.Name)) continue;
            TensorValue? t = _inputs.GetValueOrDefault(i.Name);
            if (t is null)
            {
                var read = _reference.Read([i.Name]);
                if (!read.TryGetValue(i.Name, out t)) return null;
            }
            var type = _declaredB.GetValueOrDefault(i, t.ElementType);
            if (t.ElementType != type && t.ElementType.IsFloatingPoint() && type.IsFloatingPoint()) t = ComparisonInputs.ConvertFloating(t, type);
            feed[i.Name] = t;
        }
        return feed;
    }

    private Execution.NativeSession Native(Model m, Execution.ExecutionPrecision precision, Execution.KernelRegistry? registry) =>
        Execution.NativeSession.Create(m, new Execution.SessionOptions { Precision = precision, Threads = 1 }, registry);

    private TensorValue OnNative(byte[] bytes, Dictionary<string, TensorValue> feed, string name, Execution.ExecutionPrecision precision, Execution.KernelRegistry? registry)
    {
        using var m = ModelLoader.Load(bytes, "node");
        return Native(m, precision, registry).Run(feed)[name];
    }

    private TensorValue OnOrt(byte[] bytes, string label, Dictionary<string, TensorValue> feed, string name)
    {
        using var engine = OrtEngine.FromBytes(bytes, label, _session);
        return engine.Run(feed, [name])[name];
    }

    // The type each value of the main graph is declared with, or implied by its producer (as the executor's reference
    // modes read it): its own declaration, a Cast's target, else the first floating-point input's type.
    private static Dictionary<Value, ElementType> DeclaredTypes(Graph g)
    {
        var types = new Dictionary<Value, ElementType>();
        ElementType Of(Value v) => types.TryGetValue(v, out var t) ? t : v.ElementType;
        foreach (var v in g.Inputs) types[v] = v.ElementType;
        foreach (var n in g.TopologicalOrder())
        {
            var implied = ElementType.Undefined;
            if (n.Domain == "" && n.OpType == "Cast") implied = (ElementType)n.GetInt("to", 0);
            else if (n.Domain == "" && n.OpType == "CastLike" && n.Input(1) is { } like) implied = Of(like);
            else
                foreach (var i in n.Inputs)
                    if (i is { Name.Length: > 0 } && Execution.ReferencePrecisionStep.IsReal(Of(i))) { implied = Of(i); break; }
            foreach (var o in n.Outputs)
                if (o is not null) types[o] = o.ElementType != ElementType.Undefined ? o.ElementType : implied;
        }
        return types;
    }
}
