namespace OnnxNorm.Passes;

/// <summary>Machine-readable codes of the BN health lint.</summary>
public static class BatchNormLintCodes
{
    /// <summary>A parameter holds NaN or Inf.</summary>
    public const string NonFiniteStatistics = "non-finite-statistics";
    /// <summary>var + epsilon is zero or negative for some channel.</summary>
    public const string VarianceNotPositive = "variance-not-positive";
    /// <summary>epsilon is zero or negative.</summary>
    public const string EpsilonNotPositive = "epsilon-not-positive";
    /// <summary>epsilon is below <see cref="BatchNormAnalysis.TinyEpsilon"/>.</summary>
    public const string EpsilonTiny = "epsilon-tiny";
    /// <summary>mean 0 and var 1 everywhere: statistics that were probably never trained.</summary>
    public const string DefaultStatistics = "default-statistics";
    /// <summary>channels whose |γ| is below <see cref="BatchNormAnalysis.DeadGammaThreshold"/>: they output β whatever the input.</summary>
    public const string DeadChannels = "dead-channels";
    /// <summary>the producing Conv has a bias that the BN's mean subtraction cancels.</summary>
    public const string RedundantConvBias = "redundant-conv-bias";
}
