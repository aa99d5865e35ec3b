using OnnxNorm.Passes;

namespace OnnxNorm.Cli.Commands;

/// <summary>What `optimize` prints and writes with --report: one record, so the console and JSON never disagree.</summary>
public sealed record OptimizeReport(
    string Input, string Output, IReadOnlyList<string> Passes, int Iterations,
    int BatchNormBefore, int BatchNormRemoved, int BatchNormLeft,
    IReadOnlyDictionary<string, int> Folded, IReadOnlyList<BatchNormLeftInPlace> Left,
    BeforeAfter Nodes, BeforeAfter Parameters, double ElapsedMs, VerifyReport? Verify, IReadOnlyList<PassRunReport> Runs);

public sealed record BeforeAfter(long Before, long After);

/// <summary>A BN the passes did not remove, and the reason code and message that explain it.</summary>
public sealed record BatchNormLeftInPlace(string Node, string Producer, string Mode, string ReasonCode, string Reason);

/// <summary>What --verify checked: invariants after every pass, and the runtime comparison if one ran.</summary>
public sealed record VerifyReport(bool Invariants, string? Checker, EquivalenceResult? Equivalence);

public sealed record PassRunReport(string Pass, int Iteration, bool Modified, double ElapsedMs, IReadOnlyList<Diagnostic> Diagnostics);
