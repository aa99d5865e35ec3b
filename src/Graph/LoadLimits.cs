namespace OnnxNorm.Graph;

/// <summary>Caps that keep a hostile file from making us allocate or recurse without bound.</summary>
public sealed record LoadLimits
{
    /// <summary>The largest single tensor a model may declare (default 4 GiB).</summary>
    public long MaxTensorBytes { get; init; } = 4L << 30;

    /// <summary>How deep If/Loop/Scan bodies may nest. Recursion is bounded because .NET cannot catch a stack overflow.</summary>
    public int MaxSubgraphDepth { get; init; } = 32;

    public static LoadLimits Default { get; } = new();
}
