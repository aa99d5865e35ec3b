namespace OnnxNorm.Passes;

/// <summary>Everything a pipeline run did: each pass run with its diagnostics, and whether it settled.</summary>
public sealed record PipelineResult(IReadOnlyList<PassRun> Runs, int Iterations, TimeSpan Elapsed, bool ReachedFixedPoint)
{
    public bool Modified => Runs.Any(r => r.Modified);
    public IEnumerable<Diagnostic> Diagnostics => Runs.SelectMany(r => r.Diagnostics);
}
