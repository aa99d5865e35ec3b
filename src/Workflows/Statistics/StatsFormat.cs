using System.Globalization;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// How the reports print a statistic: four significant digits, invariant culture. The console and the HTML
/// page both print through here, so they show the same digits for the same number, and a reader (or a test)
/// can match either against the full-precision JSON.
/// </summary>
public static class StatsFormat
{
    /// <paramref name="v"/> with 4 significant digits, "NaN", "inf" or "-inf".
    public static string Number(double v) => double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "inf"
        : double.IsNegativeInfinity(v) ? "-inf"
        : v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>What each kind of number is, in the words every report uses.</summary>
    public const string RawData = "raw data";
    /// <summary>Statistics measured with every upstream BN recalibrated.</summary>
    public const string AfterUpstream = "after upstream recalibration";
    /// <summary>The running statistics stored in the model.</summary>
    public const string Running = "running (stored)";
    /// <summary>The numbers the verdict was based on.</summary>
    public const string Judged = "judged";
}
