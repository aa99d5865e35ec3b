namespace OnnxNorm.Ir;

/// <summary>How <see cref="ModelSaver"/> writes a model: external data, alignment, overwriting.</summary>
public sealed record SaveOptions
{
    /// <summary>Move tensors of at least <see cref="ExternalThreshold"/> bytes into this file (beside the model).</summary>
    public string? ExternalDataFile { get; init; }

    /// <summary>Bring all external data back into the model file.</summary>
    public bool Inline { get; init; }

    /// <summary>Allow replacing the model's own source file and an existing external data file.</summary>
    public bool Force { get; init; }

    /// <summary>Tensors of at least this many bytes go to <see cref="ExternalDataFile"/>.</summary>
    public long ExternalThreshold { get; init; } = 1024;

    /// <summary>External offsets are aligned to a page so each tensor can be memory-mapped on its own.</summary>
    public int Alignment { get; init; } = 4096;

    /// <summary>
    /// Above this many bytes of weights the model is written with external data: a protobuf message cannot
    /// exceed 2 GiB, and some room is left for the graph itself.
    /// </summary>
    public long MaxInlineBytes { get; init; } = (2L << 30) - (64L << 20);

    /// <summary>Inline weights (unless the model is too large), no overwriting.</summary>
    public static SaveOptions Default { get; } = new();
}
