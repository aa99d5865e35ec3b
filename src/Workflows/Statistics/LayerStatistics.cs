namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// The verdict on one BN layer. <see cref="Channels"/> compares the stored statistics with the data as the
/// model runs now; <see cref="OwnChannels"/> compares them with the data when every upstream BN uses the
/// data's own statistics (null when that was not measured). A layer still off then is wrong itself
/// (<see cref="RootCause"/>); a flagged layer that is fine then only inherits drift from upstream.
/// Without the analysis, RootCause and Inherited are both false and a flagged layer is "not analysed".
/// </summary>
public sealed record LayerStatistics(
    string Node,
    int Ordinal,
    int Level,
    double Epsilon,
    long Samples,
    double Score,
    double? OwnScore,
    bool Flagged,
    bool RootCause,
    bool Inherited,
    IReadOnlyList<ChannelMismatch> Channels,
    IReadOnlyList<ChannelMismatch>? OwnChannels)
{
    /// <summary>The conclusion about this layer.</summary>
    public LayerVerdict Verdict => RootCause ? LayerVerdict.WrongItself
        : Inherited ? LayerVerdict.InheritsDrift
        : Flagged ? LayerVerdict.FlaggedNotAnalysed
        : LayerVerdict.Ok;

    /// <summary>The small-batch analysis of this layer (null unless asked for with a batch size).</summary>
    public SmallBatchLayer? SmallBatch { get; init; }

    /// <summary>How many channels are flagged.</summary>
    public int FlaggedChannelCount => Channels.Count(c => c.Flagged);
    /// <summary>The mean KL divergence over channels.</summary>
    public double MeanKl => Channels.Count == 0 ? 0 : Channels.Average(c => c.Kl);
    /// <summary>The channels still flagged with every upstream BN recalibrated.</summary>
    public IEnumerable<int> OwnFlaggedChannels => OwnChannels?.Where(c => c.Flagged).Select(c => c.Index) ?? Enumerable.Empty<int>();
}
