using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The patches of one pipeline run, counted across all its passes: applies each patch, checks the graph
/// invariants after it under verify (so a broken rewrite is named the moment it happens), and withholds every
/// patch past <see cref="StopAfterPatches"/>, so a bad rewrite can be found by bisection (`optimize --stop-after N`).
/// </summary>
public sealed class RewriteSession
{
    /// <summary>A session applying at most <paramref name="stopAfterPatches"/> patches (null: all), checking the graph after each under <paramref name="verify"/>.</summary>
    public RewriteSession(int? stopAfterPatches = null, bool verify = false)
    {
        if (stopAfterPatches < 0) throw new ArgumentOutOfRangeException(nameof(stopAfterPatches), "the patch limit cannot be negative");
        StopAfterPatches = stopAfterPatches;
        Verify = verify;
    }

    /// <summary>Apply at most this many patches; null: no limit.</summary>
    public int? StopAfterPatches { get; }

    /// <summary>Whether the graph invariants are checked after every patch.</summary>
    public bool Verify { get; }

    /// <summary>Patches applied so far.</summary>
    public int Applied { get; private set; }

    /// <summary>The last patch applied, and by which pass.</summary>
    public (string? Pass, RewritePatch Patch)? LastApplied { get; private set; }

    /// <summary>True once a patch was withheld because the limit was reached: the run stops there.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The pass now running (the pipeline sets it), for the verify error and the report.</summary>
    public string? CurrentPass { get; set; }

    /// <summary>Applies <paramref name="patch"/> unless the limit is reached; false when it was withheld.</summary>
    public bool TryApply(RewritePatch patch, Model model)
    {
        if (Stopped) return false;
        if (Applied >= StopAfterPatches)
        {
            Stopped = true;
            return false;
        }
        patch.Apply();
        Applied++;
        LastApplied = (CurrentPass, patch);
        if (Verify && GraphInvariants.FindProblem(model) is { } problem)
            throw new InvariantViolationException(CurrentPass, problem, $"patch {Applied} ({patch.Description})");
        return true;
    }
}
