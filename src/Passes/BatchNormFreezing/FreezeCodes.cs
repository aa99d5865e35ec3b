namespace OnnxNorm.Passes;

/// <summary>Diagnostic codes of freeze-bn; tests and reports key on them.</summary>
public static class FreezeCodes
{
    public const string Frozen = "bn-frozen";
    public const string OutputRewired = "bn-statistics-output-rewired";
    public const string DefaultStatistics = "bn-default-statistics";
    public const string StatisticsNotConstant = "bn-statistics-not-constant";
    public const string NotSelected = "bn-not-selected";
}
