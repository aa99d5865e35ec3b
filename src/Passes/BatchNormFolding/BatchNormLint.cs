namespace OnnxNorm.Passes;

/// <summary>One health finding about a BN's parameters; <see cref="Channels"/> lists the channels concerned, if any.</summary>
public sealed record BatchNormLint(string Code, DiagnosticSeverity Severity, string Message, IReadOnlyList<int>? Channels);
