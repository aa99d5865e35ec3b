using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// The reusable entry point: run model A and model B in ONNX Runtime (graph optimisations disabled) on the
/// same inputs and compare every output; optionally find the first diverging node. <c>compare</c> and
/// <c>optimize --verify</c> both use this.
/// </summary>
public static class OrtComparison
{
    /// <summary>Runs <paramref name="a"/> and <paramref name="b"/> in ONNX Runtime (optimisations off) on the same inputs and judges every output.</summary>
    public static ComparisonReport Compare(ModelSource a, ModelSource b, ComparisonOptions? options = null)
    {
        options ??= ComparisonOptions.Default;
        // Validate both with our loader first (ORT trusts its input; a crash inside ORT would end the process).
        using var modelA = a.Load();
        using var modelB = b.Load();
        OrtKernelGuard.Check(modelA);
        OrtKernelGuard.Check(modelB);
        var sessionOptions = options.Session with { ValidateModel = false };
        using var engineA = a.Path is not null ? OrtEngine.FromFile(a.Path, sessionOptions) : OrtEngine.FromBytes(a.Bytes!, a.Label, sessionOptions);
        using var engineB = b.Path is not null ? OrtEngine.FromFile(b.Path, sessionOptions) : OrtEngine.FromBytes(b.Bytes!, b.Label, sessionOptions);
        using var reference = options.Rule == EquivalenceRule.NoiseAware ? NoiseAware.ReferenceRuns.For(b) : null;
        var report = EngineComparison.Compare(engineA, engineB, a.Label, b.Label, options, out var inputs, reference);
        if (!options.PerNode) return report;
        var (divergence, skipped) = PerNodeSearch.Find(modelA, modelB, a.Label, b.Label, inputs, options);
        return report.WithSearch(divergence, skipped);
    }

    /// <summary>The same for two model files, seeded random inputs.</summary>
    public static ComparisonReport Compare(string pathA, string pathB, ulong seed = 0, TolerancePolicy? tolerance = null) =>
        Compare(ModelSource.FromFile(pathA), ModelSource.FromFile(pathB), new ComparisonOptions { Seed = seed, Tolerance = tolerance ?? TolerancePolicy.Default });

    /// <summary>The same for two serialised models, seeded random inputs.</summary>
    public static ComparisonReport Compare(byte[] modelA, byte[] modelB, ulong seed = 0, TolerancePolicy? tolerance = null) =>
        Compare(ModelSource.FromBytes(modelA, "A"), ModelSource.FromBytes(modelB, "B"), new ComparisonOptions { Seed = seed, Tolerance = tolerance ?? TolerancePolicy.Default });
}
