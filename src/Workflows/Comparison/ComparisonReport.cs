namespace OnnxNorm.Workflows.Comparison;

/// <summary>The result of comparing model A against model B (the reference) on the same inputs.</summary>
public sealed record ComparisonReport
{
    /// <summary>True when both models have the same outputs and every one is within tolerance.</summary>
    public required bool Equivalent { get; init; }
    /// <summary>Candidate A's label (file name).</summary>
    public required string ModelA { get; init; }
    /// <summary>Trusted B's label (file name).</summary>
    public required string ModelB { get; init; }
    /// <summary>The engine A ran on.</summary>
    public required string EngineA { get; init; }
    /// <summary>The engine B ran on.</summary>
    public required string EngineB { get; init; }
    /// <summary>The seed of the random inputs.</summary>
    public ulong Seed { get; init; }
    /// <summary>The elementwise tolerance applied, as text.</summary>
    public string Tolerance { get; init; } = "";
    /// <summary>Which rule gave <see cref="Equivalent"/>: the noise-aware score, or the fixed elementwise tolerance.</summary>
    public string Rule { get; init; } = "";
    /// <summary>Per output, the noise-aware score against the float64 reference (empty when no reference ran).</summary>
    public Dictionary<string, NoiseAware.OutputScore> Scores { get; init; } = new();
    /// <summary>Where each input came from ("random float32[1,3,32,32]" or a file).</summary>
    public Dictionary<string, string> Inputs { get; init; } = new();
    /// <summary>Per output both models have, the elementwise metrics of A against B.</summary>
    public Dictionary<string, TensorMetrics> Outputs { get; init; } = new();
    /// <summary>Outputs only A has (a difference in itself).</summary>
    public List<string> OutputsOnlyInA { get; init; } = new();
    /// <summary>Outputs only B has (a difference in itself).</summary>
    public List<string> OutputsOnlyInB { get; init; } = new();
    /// <summary>Set when a per-node search ran and found a node over tolerance.</summary>
    public NodeDivergence? FirstDivergence { get; init; }
    /// <summary>True when a per-node search ran (so a null <see cref="FirstDivergence"/> means "none found").</summary>
    public bool PerNodeSearched { get; init; }
    /// <summary>Intermediate values the per-node search could not expose (ORT rejected them as outputs).</summary>
    public List<string> PerNodeSkipped { get; init; } = new();

    /// <summary>
    /// Adds a per-node search's result. Under the noise-aware rule an intermediate value beyond its noise floor makes
    /// the models not equivalent even when the outputs hide it (an engine's own error can mask a real change at the
    /// output, e.g. ORT's approximate Sigmoid on a saturated map); the elementwise rule keeps deciding on outputs alone.
    /// </summary>
    public ComparisonReport WithSearch(NodeDivergence? divergence, List<string> skipped) => this with
    {
        PerNodeSearched = true,
        FirstDivergence = divergence,
        PerNodeSkipped = skipped,
        Equivalent = Equivalent && divergence?.Score is null,
    };
}
