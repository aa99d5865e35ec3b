namespace OnnxNorm.Passes;

/// <summary>Machine-readable codes of the BN health lint.</summary>
public static class BatchNormLintCodes
{
    public const string NonFiniteStatistics = "non-finite-statistics";
    public const string VarianceNotPositive = "variance-not-positive";
    public const string EpsilonNotPositive = "epsilon-not-positive";
    public const string EpsilonTiny = "epsilon-tiny";
    public const string DefaultStatistics = "default-statistics";
    public const string DeadChannels = "dead-channels";
    public const string RedundantConvBias = "redundant-conv-bias";
}
