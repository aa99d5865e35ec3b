using OnnxNorm.Passes;

namespace OnnxNorm.Workflows.Optimize;

/// <summary>What `optimize` prints and writes with --report: one record, so the console and JSON never disagree.</summary>
public sealed record OptimizeReport(
    string Input, string Output, IReadOnlyList<string> Passes, int Iterations,
    int BatchNormBefore, int BatchNormRemoved, int BatchNormLeft,
    IReadOnlyDictionary<string, int> Folded, IReadOnlyList<BatchNormLeftInPlace> Left,
    BeforeAfter Nodes, BeforeAfter Parameters, double ElapsedMs, VerifyReport? Verify, IReadOnlyList<PassRunReport> Runs)
{
    /// <summary>Per-channel Mul/Add/Sub/Div folded by fold-affine, by code.</summary>
    public IReadOnlyDictionary<string, int> AffineFolded { get; init; } = new Dictionary<string, int>();

    /// <summary>Per-channel Mul/Add/Sub/Div by a constant still in the model, with fold-affine's last word on each.</summary>
    public IReadOnlyList<AffineLeftInPlace> AffineLeft { get; init; } = Array.Empty<AffineLeftInPlace>();

    /// <summary>Every BN and per-channel affine op the run folded or left, one entry each: the typed form of the summary.</summary>
    public IReadOnlyList<OpOutcome> Outcomes { get; init; } = Array.Empty<OpOutcome>();

    /// <summary>How many patches the run applied, and where it stopped when --stop-after held one back.</summary>
    public PatchReport Patches { get; init; } = new(0, false, null);
}

/// <summary>The patches of a run: how many applied, whether --stop-after stopped the run, and the last one applied.</summary>
public sealed record PatchReport(int Applied, bool Stopped, string? Last);

/// <summary>A per-channel Mul/Add/Sub/Div that fold-affine left, and why.</summary>
public sealed record AffineLeftInPlace(string Node, string ReasonCode, string Reason);

/// <summary>A count before and after optimisation.</summary>
/// <param name="Before">The count before.</param>
/// <param name="After">The count after.</param>
public sealed record BeforeAfter(long Before, long After);

/// <summary>A BN the passes did not remove, and the reason code and message that explain it.</summary>
public sealed record BatchNormLeftInPlace(string Node, string Producer, string Mode, string ReasonCode, string Reason);

/// <summary>What --verify checked: invariants after every pass, and the runtime comparison if one ran.</summary>
public sealed record VerifyReport(bool Invariants, string? Checker, EquivalenceResult? Equivalence);

/// <summary>One run of one pass.</summary>
/// <param name="Pass">The pass name.</param>
/// <param name="Iteration">The pipeline round (1-based).</param>
/// <param name="Modified">Whether it changed the model.</param>
/// <param name="ElapsedMs">Its time in milliseconds.</param>
/// <param name="Diagnostics">What it reported.</param>
public sealed record PassRunReport(string Pass, int Iteration, bool Modified, double ElapsedMs, IReadOnlyList<Diagnostic> Diagnostics);
