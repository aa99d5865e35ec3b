namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>One candidate for an output's noise floor: what produced it and the error it measured against R.</summary>
public sealed record NoiseSource(string Name, ErrorNorm Error);
