using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Ort;

/// <summary>ONNX Runtime behind <see cref="IInferenceEngine"/>.</summary>
public sealed class OrtEngine : IInferenceEngine
{
    private readonly OrtSession _session;

    /// <summary>An engine over <paramref name="session"/>, which it owns.</summary>
    public OrtEngine(OrtSession session)
    {
        _session = session;
        Inputs = session.Inputs.Select(ToSignature).ToList();
        Outputs = session.Outputs.Select(ToSignature).ToList();
    }

    /// <summary>Opens the model at <paramref name="path"/> in ONNX Runtime.</summary>
    /// <exception cref="OrtException">ORT refuses the model (one line with ORT's reason).</exception>
    public static OrtEngine FromFile(string path, OrtSessionOptions? options = null) => new(OrtSession.FromFile(path, options));

    /// <summary>Opens a serialised model in ONNX Runtime; <paramref name="label"/> names it in errors.</summary>
    public static OrtEngine FromBytes(byte[] model, string label, OrtSessionOptions? options = null) => new(OrtSession.FromBytes(model, options, label));

    /// <inheritdoc/>
    public string Name => "ort";
    /// <inheritdoc/>
    public IReadOnlyList<TensorSignature> Inputs { get; }
    /// <inheritdoc/>
    public IReadOnlyList<TensorSignature> Outputs { get; }
    /// <summary>The ORT session underneath.</summary>
    public OrtSession Session => _session;

    /// <inheritdoc/>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null) =>
        _session.Run(inputs, outputNames);

    private static TensorSignature ToSignature(OrtValueInfo v) => new(v.Name, v.ElementType, v.Dims, v.DimNames);

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
