namespace OnnxNorm.Passes;

/// <summary>Diagnostic codes of freeze-bn; tests and reports key on them.</summary>
public static class FreezeCodes
{
    /// <summary>A training-mode BN switched to inference mode.</summary>
    public const string Frozen = "bn-frozen";
    /// <summary>Readers of a dropped statistics output now read the constant instead.</summary>
    public const string OutputRewired = "bn-statistics-output-rewired";
    /// <summary>The frozen statistics are mean 0, var 1: probably never trained.</summary>
    public const string DefaultStatistics = "bn-default-statistics";
    /// <summary>The running statistics are not constants, so the BN cannot be frozen.</summary>
    public const string StatisticsNotConstant = "bn-statistics-not-constant";
    /// <summary>Left alone: its name does not match --only.</summary>
    public const string NotSelected = "bn-not-selected";
}
