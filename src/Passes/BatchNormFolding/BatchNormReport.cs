namespace OnnxNorm.Passes;

/// <summary>One BatchNormalization as `inspect` and `optimize --report` show it.</summary>
public sealed record BatchNormReport(
    string Node,
    string? Subgraph,
    string Producer,
    string Mode,
    string ModeReason,
    bool Foldable,
    string? FoldInto,
    string? RefusalCode,
    string? RefusalReason,
    string? ForwardFoldInto,
    IReadOnlyList<BatchNormLint> Lints);
