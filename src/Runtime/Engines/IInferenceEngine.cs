namespace OnnxNorm.Runtime.Engines;

/// <summary>
/// Something that runs one model: ONNX Runtime, or OnnxNorm's own executor. <c>compare</c> and <c>run</c>
/// only talk to this, so a new engine plugs in without touching them.
/// </summary>
public interface IInferenceEngine : IDisposable
{
    /// <summary>Short name for reports ("ort", "native").</summary>
    string Name { get; }

    /// <summary>The inputs a caller must feed (name, element type, dims).</summary>
    IReadOnlyList<TensorSignature> Inputs { get; }
    /// <summary>The model's outputs.</summary>
    IReadOnlyList<TensorSignature> Outputs { get; }

    /// <summary>Runs the model; <paramref name="outputNames"/> defaults to every output.</summary>
    Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null);
}
