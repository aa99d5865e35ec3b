namespace OnnxNorm.Ort;

/// <summary>ORT's graph optimisation levels; the numbers are ORT's. Comparisons use <see cref="Disabled"/> so
/// that ORT's own fusions (which fold BN too) cannot hide or cause a difference.</summary>
public enum GraphOptimizationLevel
{
    Disabled = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
