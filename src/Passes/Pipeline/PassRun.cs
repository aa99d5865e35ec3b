namespace OnnxNorm.Passes;

/// <summary>One execution of one pass.</summary>
public sealed record PassRun(string Pass, int Iteration, bool Modified, TimeSpan Elapsed, IReadOnlyList<Diagnostic> Diagnostics);
