namespace OnnxNorm.Ir;

/// <summary>Caps that keep a hostile file from making us allocate or recurse without bound.</summary>
public sealed record LoadLimits
{
    /// <summary>The largest single tensor a model may declare (default 4 GiB).</summary>
    public long MaxTensorBytes { get; init; } = 4L << 30;

    /// <summary>How deep If/Loop/Scan bodies may nest. Recursion is bounded because .NET cannot catch a stack overflow.</summary>
    public int MaxSubgraphDepth { get; init; } = 32;

    /// <summary>
    /// The defaults, with ONNXNORM_MAX_TENSOR_BYTES overriding the single-tensor cap, so a user can raise or
    /// lower it for every verb without a flag on each.
    /// </summary>
    public static LoadLimits Default { get; } = FromEnvironment();

    /// <summary>The environment variable that overrides <see cref="MaxTensorBytes"/> in <see cref="Default"/>.</summary>
    public const string MaxTensorBytesVariable = "ONNXNORM_MAX_TENSOR_BYTES";

    private static LoadLimits FromEnvironment()
    {
        var limits = new LoadLimits();
        string? v = Environment.GetEnvironmentVariable(MaxTensorBytesVariable);
        return long.TryParse(v, out long bytes) && bytes > 0 ? limits with { MaxTensorBytes = bytes } : limits;
    }
}
