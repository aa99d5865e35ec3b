namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// What a GEMM does with its result when it stores it: an optional bias per output row (a convolution's
/// per-channel bias) or per output column (an FC layer's bias), then an activation. Doing this in the
/// micro-kernel's store saves a separate pass over the output, which at 7x7 spatial costs as much as
/// the multiply's own memory traffic.
/// </summary>
internal readonly struct GemmEpilogue
{
    public GemmEpilogue(float[]? rowBias, float[]? columnBias, Activation activation)
    {
        RowBias = rowBias;
        ColumnBias = columnBias;
        Activation = activation;
    }

    /// <summary>One value per row of C, padded with zeros to a multiple of the micro-kernel's row count.</summary>
    public float[]? RowBias { get; }

    /// <summary>One value per column of C (not padded: edge tiles copy it into a padded scratch).</summary>
    public float[]? ColumnBias { get; }

    public Activation Activation { get; }

    public bool IsIdentity => RowBias is null && ColumnBias is null && Activation.Kind == FusedActivation.None;
}
