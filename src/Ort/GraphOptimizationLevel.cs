namespace OnnxNorm.Ort;

/// <summary>ORT's graph optimisation levels; the numbers are ORT's. Comparisons use <see cref="Disabled"/> so
/// that ORT's own fusions (which fold BN too) cannot hide or cause a difference.</summary>
public enum GraphOptimizationLevel
{
    /// <summary>No graph optimisations (used for comparisons).</summary>
    Disabled = 0,
    /// <summary>Constant folding and redundant-node removal.</summary>
    Basic = 1,
    /// <summary>Basic plus ORT's fusions.</summary>
    Extended = 2,
    /// <summary>Every optimisation, including layout changes.</summary>
    All = 99,
}
