namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// Named tolerance levels. <see cref="Close"/> is the default: what two correct float32 implementations
/// that sum in different orders agree to. <see cref="Strict"/> is for near bit-exact rewrites, <see cref="Loose"/>
/// for deliberate precision changes.
/// </summary>
public enum TolerancePreset
{
    /// <summary>Near bit-exact.</summary>
    Strict,
    /// <summary>Two correct float32 implementations summing in different orders (the default).</summary>
    Close,
    /// <summary>Deliberate precision changes.</summary>
    Loose,
}
