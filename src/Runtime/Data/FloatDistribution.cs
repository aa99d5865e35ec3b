namespace OnnxNorm.Runtime.Data;

/// <summary>How random floating-point inputs are drawn: standard normal (the default, exercises signs and
/// magnitudes around 1) or uniform in [0, 1) (image-like data that a preprocessing step has scaled).</summary>
public enum FloatDistribution
{
    /// <summary>Standard normal values (mean 0, standard deviation 1).</summary>
    Normal,
    /// <summary>Uniform values in [0, 1).</summary>
    Uniform,
}
