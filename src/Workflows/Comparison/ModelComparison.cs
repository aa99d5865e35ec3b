using OnnxNorm.Ir;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Workflows.Engines;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// `compare` as a library call: A against B on one engine (<see cref="EngineFactory.Ort"/> or
/// <see cref="EngineFactory.Native"/>), or, without B, OnnxNorm's native executor on A against ONNX Runtime on A.
/// With <see cref="ComparisonOptions.PerNode"/> the report also names the first diverging node.
/// </summary>
public static class ModelComparison
{
    /// <summary>The <c>compare</c> command: model <paramref name="a"/> against <paramref name="b"/> on <paramref name="engineName"/>, or without B the native executor on A against ORT on A.</summary>
    /// <exception cref="BadInputException">A model or input that cannot be read or run.</exception>
    public static ComparisonReport Compare(string a, string? b, string engineName, ComparisonOptions options)
    {
        if (b is not null && engineName == EngineFactory.Ort)
            return OrtComparison.Compare(ModelSource.FromFile(a), ModelSource.FromFile(b), options);
        // Native A vs native B, or (without B) native A vs ORT A: the engine pair the search runs on too.
        string trusted = b ?? a;
        using var candidate = EngineFactory.Create(EngineFactory.Native, a, options.Session);
        using var other = EngineFactory.Create(b is null ? EngineFactory.Ort : EngineFactory.Native, trusted, options.Session);
        using var reference = options.Rule == EquivalenceRule.NoiseAware ? ReferenceRuns.For(ModelSource.FromFile(trusted)) : null;
        var report = EngineComparison.Compare(candidate, other, Path.GetFileName(a), Path.GetFileName(trusted), options, out var used, reference);
        if (!options.PerNode) return report;
        using var modelA = ModelLoader.Load(a);
        using var modelB = ModelLoader.Load(trusted);
        var search = new PerNodeSearch(modelA, modelB, Path.GetFileName(a), Path.GetFileName(trusted), b is null ? PairEngines.NativeVsOrt : PairEngines.NativeVsNative);
        var (divergence, skipped) = search.Find(used, options);
        return report.WithSearch(divergence, skipped);
    }
}
