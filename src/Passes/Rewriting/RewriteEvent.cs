namespace OnnxNorm.Passes;

/// <summary>What the driver did at one node: applied a patch (<see cref="Patch"/>) or recorded a refusal.</summary>
public readonly record struct RewriteEvent(RewritePatch? Patch, Diagnostic? Refusal)
{
    /// <summary>Whether a patch was applied.</summary>
    public bool Applied => Patch is not null;

    /// <summary>What the pass reports for this event: the patch's outcomes, or the refusal.</summary>
    public IEnumerable<Diagnostic> Diagnostics => Patch is not null ? Patch.Outcomes : new[] { Refusal! };
}
