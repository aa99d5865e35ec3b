using OnnxNorm.Ir;

namespace OnnxNorm.Ort;

/// <summary>
/// ONNX Runtime refused something (an OrtStatus came back): the message is ORT's own. It is a
/// <see cref="BadInputException"/> because what ORT rejects is a model or tensor we handed it, so the CLI
/// reports it in one line with exit code 2.
/// </summary>
public sealed class OrtException : BadInputException
{
    /// <summary>An ORT error with its <paramref name="code"/> and one-line message.</summary>
    public OrtException(OrtErrorCode code, string message) : base(message) => Code = code;

    /// <summary>ORT's error code.</summary>
    public OrtErrorCode Code { get; }
}
