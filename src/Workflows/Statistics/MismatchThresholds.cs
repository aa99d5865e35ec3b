namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// When a channel's stored statistics count as wrong for the data. The defaults: the data mean is more
/// than one stored standard deviation away, or the variance is off by more than a factor of two either way.
/// KL is reported always and only flags when a limit is given.
/// </summary>
public sealed record MismatchThresholds
{
    /// <summary>The largest mean shift, in stored standard deviations.</summary>
    public double MaxMeanShift { get; init; } = 1.0;
    /// <summary>The smallest data-to-stored variance ratio.</summary>
    public double MinVarRatio { get; init; } = 0.5;
    /// <summary>The largest data-to-stored variance ratio.</summary>
    public double MaxVarRatio { get; init; } = 2.0;
    /// <summary>The largest KL divergence (nats); infinity: KL never flags.</summary>
    public double MaxKl { get; init; } = double.PositiveInfinity;

    /// <summary>Mean shift 1, variance ratio in [0.5, 2], no KL limit.</summary>
    public static MismatchThresholds Default { get; } = new();

    /// <summary>Checks that every threshold is in range.</summary>
    /// <exception cref="OnnxNorm.Ir.BadInputException">A threshold out of range.</exception>
    public void Validate()
    {
        if (!(MaxMeanShift > 0)) throw new OnnxNorm.Ir.BadInputException($"the mean-shift threshold must be positive, not {MaxMeanShift}");
        if (!(MinVarRatio > 0 && MinVarRatio < 1)) throw new OnnxNorm.Ir.BadInputException($"the minimum variance ratio must be in (0, 1), not {MinVarRatio}");
        if (!(MaxVarRatio > 1)) throw new OnnxNorm.Ir.BadInputException($"the maximum variance ratio must be above 1, not {MaxVarRatio}");
        if (!(MaxKl > 0)) throw new OnnxNorm.Ir.BadInputException($"the KL threshold must be positive, not {MaxKl}");
    }
}
