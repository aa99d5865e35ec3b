namespace OnnxNorm.Passes;

/// <summary>
/// Why a BatchNormalization was left alone. <see cref="Code"/> is one of <see cref="FoldRefusalCodes"/>;
/// the message names what the user would have to change.
/// </summary>
public sealed record FoldRefusal(string Code, DiagnosticSeverity Severity, string Message)
{
    /// <summary>The refusal as a pass diagnostic about node <paramref name="nodeName"/>.</summary>
    public Diagnostic ToDiagnostic(string? nodeName) => new(Severity, Code, nodeName, Message);
}
