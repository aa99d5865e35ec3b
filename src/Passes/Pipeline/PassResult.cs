namespace OnnxNorm.Passes;

/// <summary>What one run of a pass did: whether it changed the model, and everything it has to say.</summary>
public sealed record PassResult(bool Modified, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>Nothing changed, nothing to report.</summary>
    public static PassResult Unchanged { get; } = new(false, Array.Empty<Diagnostic>());
}
