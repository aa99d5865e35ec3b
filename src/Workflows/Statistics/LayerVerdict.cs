namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// What check-stats concludes about one BN layer. The label and the rank order live here, so the console,
/// the JSON and the HTML report say the same thing in the same order.
/// </summary>
public enum LayerVerdict
{
    /// <summary>Still flagged with every upstream BN recalibrated to the data: the layer itself is wrong.</summary>
    WrongItself,
    /// <summary>Flagged as deployed, fine once the upstream layers are recalibrated.</summary>
    InheritsDrift,
    /// <summary>Flagged, and the root-cause analysis did not run (--no-root-cause).</summary>
    FlaggedNotAnalysed,
    /// <summary>Not flagged.</summary>
    Ok,
}

/// <summary>The label and rank of each <see cref="LayerVerdict"/>.</summary>
public static class LayerVerdicts
{
    /// <summary>The words every report uses for <paramref name="v"/>.</summary>
    public static string Label(this LayerVerdict v) => v switch
    {
        LayerVerdict.WrongItself => "wrong itself",
        LayerVerdict.InheritsDrift => "inherits drift",
        LayerVerdict.FlaggedNotAnalysed => "flagged, not analysed",
        _ => "ok",
    };

    /// <summary>The JSON value: stable identifiers scripts can key on.</summary>
    public static string Id(this LayerVerdict v) => v switch
    {
        LayerVerdict.WrongItself => "wrongItself",
        LayerVerdict.InheritsDrift => "inheritsDrift",
        LayerVerdict.FlaggedNotAnalysed => "flaggedNotAnalysed",
        _ => "ok",
    };

    /// <summary>Ranking groups: root causes first, then every other flagged layer, then the rest.</summary>
    public static int Group(this LayerVerdict v) => v switch
    {
        LayerVerdict.WrongItself => 0,
        LayerVerdict.InheritsDrift or LayerVerdict.FlaggedNotAnalysed => 1,
        _ => 2,
    };
}
