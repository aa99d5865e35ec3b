namespace OnnxNorm.Passes;

/// <summary>
/// A finding of a pass: a fold done, a fold refused and why, a lint. <see cref="Code"/> is stable and
/// machine-readable (reports and tests key on it); <see cref="Message"/> is for people.
/// </summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string Code, string? NodeName, string Message)
{
    /// <summary>The pass that reported it; the pipeline fills this in.</summary>
    public string? Pass { get; init; }

    /// <summary>"severity code [node]: message".</summary>
    public override string ToString() =>
        $"{Severity.ToString().ToLowerInvariant()} {Code}{(NodeName is null ? "" : $" [{NodeName}]")}: {Message}";
}
