namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>The names of the rules that can set an output's score (<see cref="OutputScore.DecidedBy"/>).</summary>
public static class Decided
{
    /// <summary>The RMS error over the RMS floor, of the whole tensor or of one channel.</summary>
    public const string Rms = "rms floor";
    /// <summary>The largest error over the max floor.</summary>
    public const string Max = "max error";
    /// <summary>A channel's error growing in proportion to R (<see cref="SlopeScore"/>).</summary>
    public const string Slope = "proportional slope";
    /// <summary>Integers, bools and strings: exact match.</summary>
    public const string Exact = "exact";
}
