using OnnxNorm.Runtime.Data;
using OnnxNorm.Ort;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>How two models are compared.</summary>
public sealed record ComparisonOptions
{
    /// <summary>Seed of the random inputs (inputs not given in <see cref="Inputs"/>).</summary>
    public ulong Seed { get; init; }

    /// <summary>How random floating-point inputs are drawn.</summary>
    public FloatDistribution Distribution { get; init; } = FloatDistribution.Normal;

    /// <summary>The fixed elementwise tolerance: the verdict under <see cref="EquivalenceRule.Elementwise"/>, and the per-output metrics.</summary>
    public TolerancePolicy Tolerance { get; init; } = TolerancePolicy.Default;

    /// <summary>Which rule decides: the fixed elementwise tolerance (the library default) or the noise-aware score (compare's and optimize --verify's default).</summary>
    public EquivalenceRule Rule { get; init; } = EquivalenceRule.Elementwise;

    /// <summary>Inputs given by the caller, by name; the others are generated from <see cref="Seed"/>.</summary>
    public IReadOnlyDictionary<string, TensorValue>? Inputs { get; init; }

    /// <summary>Shapes for inputs with symbolic dims (<c>--shape</c>).</summary>
    public ShapeOverrides Shapes { get; init; } = ShapeOverrides.Empty;

    /// <summary>Also look for the first node whose output differs (slower: extra runs).</summary>
    public bool PerNode { get; init; }

    /// <summary>How many intermediate values one per-node run exposes; bounds memory on large models.</summary>
    public int PerNodeChunkSize { get; init; } = 64;

    /// <summary>Per-node chunks shrink so that the values of one chunk (both models) stay near this many bytes.</summary>
    public long PerNodeByteBudget { get; init; } = 128L << 20;

    /// <summary>Sessions use ORT with graph optimisations disabled, so ORT's own rewrites cannot blur the check.</summary>
    public OrtSessionOptions Session { get; init; } = new() { OptimizationLevel = GraphOptimizationLevel.Disabled };

    /// <summary>The defaults: seed 0, random inputs, the elementwise rule with the <see cref="TolerancePreset.Close"/> tolerance.</summary>
    public static ComparisonOptions Default { get; } = new();
}
