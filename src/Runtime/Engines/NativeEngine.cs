using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Engines;

/// <summary>OnnxNorm's native CPU executor behind <see cref="IInferenceEngine"/>.</summary>
public sealed class NativeEngine : IInferenceEngine
{
    private readonly Model _model;
    private readonly NativeSession _session;

    /// <summary>An engine over <paramref name="model"/> (which it owns), on the built-in operators.</summary>
    public NativeEngine(Model model, SessionOptions? options = null) : this(model, options, registry: null) { }

    /// <summary>The same on another operator table, null for the built-in one (tests inject a deliberately broken kernel there).</summary>
    internal NativeEngine(Model model, SessionOptions? options, KernelRegistry? registry)
    {
        _model = model;
        _session = NativeSession.Create(model, options, registry);
        Inputs = _session.Inputs.Where(i => _session.RequiredInputs.Contains(i)).Select(ToSignature).ToList();
        Outputs = _session.Outputs.Select(ToSignature).ToList();
    }

    /// <summary>Loads <paramref name="path"/>; the engine owns (and disposes) the model.</summary>
    public static NativeEngine FromFile(string path, SessionOptions? options = null)
    {
        var model = ModelLoader.Load(path);
        try { return new NativeEngine(model, options); }
        catch { model.Dispose(); throw; }
    }

    /// <inheritdoc/>
    public string Name => _session.Precision == ExecutionPrecision.Native ? "native" : $"reference ({_session.Precision.Name()})";
    /// <inheritdoc/>
    public IReadOnlyList<TensorSignature> Inputs { get; }
    /// <inheritdoc/>
    public IReadOnlyList<TensorSignature> Outputs { get; }
    /// <summary>The planned session underneath.</summary>
    public NativeSession Session => _session;

    /// <inheritdoc/>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null)
    {
        var all = _session.Run(inputs);
        if (outputNames is null) return all;
        var result = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var name in outputNames)
            result[name] = all.TryGetValue(name, out var v) ? v : throw new BadInputException($"'{name}' is not an output of the model");
        return result;
    }

    private static TensorSignature ToSignature(SessionIO io)
    {
        var dims = io.Shape ?? Array.Empty<Dim>();
        return new TensorSignature(io.Name, io.ElementType, dims.Select(d => d.Value ?? -1).ToArray(), dims.Select(d => d.Value is null ? d.Param : null).ToArray());
    }

    /// <inheritdoc/>
    public void Dispose() => _model.Dispose();
}
