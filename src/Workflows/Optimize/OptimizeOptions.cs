using OnnxNorm.Passes;

namespace OnnxNorm.Workflows.Optimize;

/// <summary>What <see cref="ModelOptimizer"/> runs: the same choices as `onnxnorm optimize`.</summary>
public sealed record OptimizeOptions
{
    /// <summary>Pass names in order; null runs <see cref="PassRegistry.DefaultPipeline"/>.</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>Repeat the pass list until nothing changes.</summary>
    public bool FixedPoint { get; init; }

    /// <summary>Which BN scale and shift folding uses (<c>--bn-arithmetic</c>).</summary>
    public BatchNormArithmetic Arithmetic { get; init; } = BatchNormArithmetic.Inference;

    /// <summary>Apply only the first N patches of the run (`optimize --stop-after N`), to bisect a bad rewrite; null: all.</summary>
    public int? StopAfterPatches { get; init; }

    /// <summary>
    /// Check the graph invariants after every pass and compare the result with the original through
    /// <see cref="Equivalence"/>, as `optimize --verify` does.
    /// </summary>
    public bool Verify { get; init; }

    /// <summary>The runtime comparison of <see cref="Verify"/>; null there is the CLI's (ONNX Runtime, seed 0, compare's noise-aware verdict).</summary>
    public IEquivalenceCheck? Equivalence { get; init; }
}
