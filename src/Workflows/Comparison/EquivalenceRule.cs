namespace OnnxNorm.Workflows.Comparison;

/// <summary>What decides whether two sets of outputs are equivalent.</summary>
public enum EquivalenceRule
{
    /// <summary>Every element within atol + rtol·|reference| (<see cref="TolerancePolicy"/>).</summary>
    Elementwise,

    /// <summary>Every output's error against the float64 reference within 10x the noise floor (<see cref="NoiseAware.NoiseAwareRule"/>).</summary>
    NoiseAware,
}
