namespace OnnxNorm.Passes;

/// <summary>How a <see cref="PassPipeline"/> runs.</summary>
public sealed record PipelineOptions
{
    /// <summary>Check graph invariants after every patch and every pass (the CLI's --verify; always on in tests).</summary>
    public bool Verify { get; init; }

    /// <summary>Repeat the pass list until a round changes nothing (or <see cref="MaxIterations"/> is hit).</summary>
    public bool FixedPoint { get; init; }

    /// <summary>The most rounds a fixed-point run makes.</summary>
    public int MaxIterations { get; init; } = 8;

    /// <summary>
    /// Apply only the first N patches of the whole run, then stop (the CLI's --stop-after): bisecting N finds
    /// the patch that makes a model go wrong. Null: no limit.
    /// </summary>
    public int? StopAfterPatches { get; init; }
}
