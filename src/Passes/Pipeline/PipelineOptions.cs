namespace OnnxNorm.Passes;

public sealed record PipelineOptions
{
    /// <summary>Check graph invariants after every pass (the CLI's --verify; always on in tests).</summary>
    public bool Verify { get; init; }

    /// <summary>Repeat the pass list until a round changes nothing (or <see cref="MaxIterations"/> is hit).</summary>
    public bool FixedPoint { get; init; }

    public int MaxIterations { get; init; } = 8;
}
