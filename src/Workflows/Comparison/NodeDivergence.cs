namespace OnnxNorm.Workflows.Comparison;

/// <summary>The earliest node (in topological order of model A) whose output exceeds the tolerance.</summary>
public sealed record NodeDivergence(string Node, string Op, string Output, TensorMetrics Metrics)
{
    /// <summary>How many intermediate values both models share and were compared up to and including this one.</summary>
    public int ValuesCompared { get; init; }

    /// <summary>The noise-aware score of this value (null when the elementwise rule decided).</summary>
    public NoiseAware.OutputScore? Score { get; init; }

    /// <summary>True when the node run alone on the float64 reference's inputs diverged (<see cref="Score"/> is then
    /// that run's score) while its value in the graph stayed within the noise it inherits.</summary>
    public bool Isolated { get; init; }
}
