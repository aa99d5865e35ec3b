using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Ort;

/// <summary>
/// How a session is built. The default disables ORT's graph optimisations: OnnxNorm uses ORT as the
/// reference, and ORT's own fusions (Conv+BN folding among them) would change what is being checked.
/// </summary>
public sealed record OrtSessionOptions
{
    /// <summary>ORT's graph optimisation level (default <see cref="GraphOptimizationLevel.Disabled"/>).</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.Disabled;

    /// <summary>Threads inside one operator; 0 lets ORT choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across operators (only used by ORT's parallel mode); 0 lets ORT choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>If set, ORT writes the model after its graph optimisations here (offline optimisation).</summary>
    public string? OptimizedModelPath { get; init; }

    /// <summary>
    /// When set, ORT's profiler runs (its trace goes to a private temp folder, deleted afterwards);
    /// <see cref="OrtSession.EndProfiling"/> adds ORT's time per op type here.
    /// </summary>
    public OperatorProfile? Profile { get; init; }

    /// <summary>
    /// Check the model with OnnxNorm's loader before ORT sees it: ORT trusts its input more than we do,
    /// and a crash inside ORT would take the whole process down.
    /// </summary>
    public bool ValidateModel { get; init; } = true;

    /// <summary>Optimisations disabled, ORT's default thread counts, the model validated.</summary>
    public static OrtSessionOptions Default { get; } = new();
}
