using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Ort;

/// <summary>ONNX Runtime behind <see cref="IInferenceEngine"/>.</summary>
public sealed class OrtEngine : IInferenceEngine
{
    private readonly OrtSession _session;

    public OrtEngine(OrtSession session)
    {
        _session = session;
        Inputs = session.Inputs.Select(ToSignature).ToList();
        Outputs = session.Outputs.Select(ToSignature).ToList();
    }

    public static OrtEngine FromFile(string path, OrtSessionOptions? options = null) => new(OrtSession.FromFile(path, options));

    public static OrtEngine FromBytes(byte[] model, string label, OrtSessionOptions? options = null) => new(OrtSession.FromBytes(model, options, label));

    public string Name => "ort";
    public IReadOnlyList<TensorSignature> Inputs { get; }
    public IReadOnlyList<TensorSignature> Outputs { get; }
    public OrtSession Session => _session;

    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null) =>
        _session.Run(inputs, outputNames);

    private static TensorSignature ToSignature(OrtValueInfo v) => new(v.Name, v.ElementType, v.Dims, v.DimNames);

    public void Dispose() => _session.Dispose();
}
