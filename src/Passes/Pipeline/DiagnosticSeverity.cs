namespace OnnxNorm.Passes;

/// <summary>How much a <see cref="Diagnostic"/> matters.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Something done, or left alone for an ordinary structural reason.</summary>
    Info,
    /// <summary>Something the user probably wants to fix (training-mode BN, broken statistics).</summary>
    Warning,
    /// <summary>Something that stopped the pass.</summary>
    Error,
}
