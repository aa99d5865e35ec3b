namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// The noise-aware verdict on one output: B's error against the float64 reference R, divided by the noise floor.
/// Score = max(rms error / rms floor, max error / (2 x max floor), worst channel's rms error / (2 x its floor), worst
/// channel's proportional slope / (8 x its floor)); <see cref="DecidedBy"/> names which one it was;
/// <see cref="FloorSetBy"/> names the floor that
/// the deciding ratio divided by. Integer and bool outputs are compared exactly (score 0 or infinity).
/// </summary>
public sealed record OutputScore
{
    /// <summary>The score: 1 or below is within the noise.</summary>
    public required double Score { get; init; }
    /// <summary>Whether the output is within the noise.</summary>
    public required bool Equivalent { get; init; }
    /// <summary>"noise-aware" for floating-point outputs, "exact" for integers, bools and strings.</summary>
    public required string Rule { get; init; }
    /// <summary>B's root-mean-square error against the reference.</summary>
    public double ErrorRms { get; init; }
    /// <summary>B's largest error against the reference.</summary>
    public double ErrorMax { get; init; }
    /// <summary>The root-mean-square noise floor.</summary>
    public double FloorRms { get; init; }
    /// <summary>The largest-error noise floor.</summary>
    public double FloorMax { get; init; }
    /// <summary>The channel (index on axis 1) whose own score decided, or null when the whole tensor's did. When a
    /// channel decides, <see cref="ErrorRms"/> and <see cref="FloorRms"/> are that channel's, and the score is their
    /// ratio divided by <see cref="ChannelScore.Allowance"/>.</summary>
    public int? Channel { get; init; }
    /// <summary>The axis the tensor was cut into channels along (1 for NCHW, the last for a MatMul's or Gemm's
    /// output; see <see cref="NoiseAware.ChannelAxis"/>), or null when it was scored whole only.</summary>
    public int? ChannelAxis { get; init; }
    /// <summary>Which rule set the score: "rms floor" (the RMS error, whole or of a channel), "max error", "proportional
    /// slope" (a channel's error growing in proportion to R, <see cref="NoiseAware.SlopeScore"/>) or "exact".</summary>
    public string DecidedBy { get; init; } = "";
    /// <summary>The slope of the error against R in the channel whose slope scored highest (null when not scored per channel).</summary>
    public double? Slope { get; init; }
    /// <summary>That channel's slope floor (see <see cref="NoiseAware.SlopeScore"/>).</summary>
    public double? SlopeFloor { get; init; }
    /// <summary>The highest channel slope score (0 when not scored per channel).</summary>
    public double SlopeScore { get; init; }
    /// <summary>Which noise source set the floor the deciding ratio used (e.g. "A's own error on ort"; "channel 3: ..." when a channel decided).</summary>
    public string FloorSetBy { get; init; } = "";
    /// <summary>Elements where B and R disagree on NaN/infinity beyond what A's own run shows; any makes the score infinite.</summary>
    public long NonFiniteMismatches { get; init; }
    /// <summary>Integers/bools: elements that differ.</summary>
    public long ExactMismatches { get; init; }
    /// <summary>Every noise source measured, by name (rms and max error against R).</summary>
    public Dictionary<string, double[]> NoiseSources { get; init; } = new();
}
