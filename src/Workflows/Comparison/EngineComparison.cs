using OnnxNorm.Ir;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// Runs two engines on the same inputs and compares every output the two have in common by name. Works for
/// any pair of <see cref="IInferenceEngine"/>s (ORT vs ORT on two models, native vs ORT on one).
/// </summary>
public static class EngineComparison
{
    /// <summary>
    /// Compares A against B (the trusted side). With <paramref name="reference"/> (float64 runs of B's model), every
    /// output also gets a noise-aware score, and with <see cref="EquivalenceRule.NoiseAware"/> those scores decide.
    /// </summary>
    public static ComparisonReport Compare(IInferenceEngine a, IInferenceEngine b, string labelA, string labelB,
        ComparisonOptions options, out Dictionary<string, TensorValue> inputsUsed, ReferenceRuns? reference = null)
    {
        if (options.Rule == EquivalenceRule.NoiseAware && reference is null)
            throw new ArgumentException("the noise-aware rule needs the reference runs", nameof(reference));
        foreach (var input in b.Inputs)
        {
            var inA = a.Inputs.FirstOrDefault(i => i.Name == input.Name)
                ?? throw new BadInputException($"{labelB}: input '{input.Name}' is not an input of {labelA}; the models cannot be fed the same data");
            if (inA.ElementType != input.ElementType && !(inA.ElementType.IsFloatingPoint() && input.ElementType.IsFloatingPoint()))
                throw new BadInputException($"input '{input.Name}' is {inA.ElementType.Name()} in {labelA} but {input.ElementType.Name()} in {labelB}");
        }
        var (values, sources) = ComparisonInputs.Prepare(a.Inputs, options);
        inputsUsed = values;
        var feedB = ComparisonInputs.AdaptTo(b.Inputs, values);

        var namesA = a.Outputs.Select(o => o.Name).ToList();
        var namesB = b.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var common = namesA.Where(namesB.Contains).ToList();
        var outputs = new Dictionary<string, TensorMetrics>(StringComparer.Ordinal);
        var scores = new Dictionary<string, OutputScore>(StringComparer.Ordinal);
        if (common.Count > 0)
        {
            var ra = a.Run(values, common);
            var rb = b.Run(feedB, common);
            foreach (var name in common)
                outputs[name] = TensorComparer.Compare(ra[name], rb[name], options.Tolerance.For(TensorComparer.ToleranceType(ra[name].ElementType, rb[name].ElementType)));
            if (reference is not null)
            {
                var r = reference.Float64.Run(feedB, common);
                var d = reference.Declared?.Run(feedB, common);
                var graph = reference.Float64.Session.Model.Graph;
                foreach (var name in common)
                {
                    int axis = ChannelAxis.Of(graph.Find(name)?.Producer);
                    scores[name] = NoiseAwareRule.Score(ra[name], r[name], ReferenceRuns.NoiseOf($"{labelB}'s own error on {b.Name}", rb[name], r[name], d?[name], axis), axis);
                }
            }
        }
        bool noiseAware = options.Rule == EquivalenceRule.NoiseAware;
        var onlyA = namesA.Where(n => !namesB.Contains(n)).ToList();
        var onlyB = b.Outputs.Select(o => o.Name).Where(n => !namesA.Contains(n)).ToList();
        var anyType = a.Outputs.Select(o => o.ElementType).FirstOrDefault(t => t.IsFloatingPoint(), ElementType.Float);
        return new ComparisonReport
        {
            Equivalent = common.Count > 0 && onlyA.Count == 0 && onlyB.Count == 0 && (noiseAware ? scores.Values.All(s => s.Equivalent) : outputs.Values.All(m => m.Passes)),
            Rule = noiseAware ? $"noise-aware (score <= {NoiseAwareRule.Threshold}; integers and bools exact)" : "elementwise |a - b| <= atol + rtol*|b|",
            Scores = scores,
            ModelA = labelA,
            ModelB = labelB,
            EngineA = a.Name,
            EngineB = b.Name,
            Seed = options.Seed,
            Tolerance = $"{options.Tolerance.Preset.ToString().ToLowerInvariant()} ({options.Tolerance.For(anyType)} for {anyType.Name()})",
            Inputs = sources,
            Outputs = outputs,
            OutputsOnlyInA = onlyA,
            OutputsOnlyInB = onlyB,
        };
    }
}
