namespace OnnxNorm.Passes;

/// <summary>Everything a pipeline run did: each pass run with its diagnostics, and whether it settled.</summary>
public sealed record PipelineResult(IReadOnlyList<PassRun> Runs, int Iterations, TimeSpan Elapsed, bool ReachedFixedPoint)
{
    /// <summary>Whether any pass changed the model.</summary>
    public bool Modified => Runs.Any(r => r.Modified);
    /// <summary>Every diagnostic of every run, in order.</summary>
    public IEnumerable<Diagnostic> Diagnostics => Runs.SelectMany(r => r.Diagnostics);

    /// <summary>Patches applied over the whole run.</summary>
    public int PatchesApplied { get; init; }

    /// <summary>True when <see cref="PipelineOptions.StopAfterPatches"/> withheld a patch and the run stopped there.</summary>
    public bool Stopped { get; init; }

    /// <summary>The last patch applied ("fold-affine: BatchNormalization node 'bn1': ..."), null when none was.</summary>
    public string? LastPatch { get; init; }
}
