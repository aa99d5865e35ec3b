namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// How one tensor (actual, "A") differs from a reference ("B"). Relative error is |a-b|/|b| over elements
/// with b != 0 (where b == 0 only the absolute tolerance can apply). NaN and infinities are never averaged:
/// they count as mismatches when A and B disagree on them, and as equal when both are the same NaN/inf.
/// </summary>
public sealed record TensorMetrics
{
    public required string ElementType { get; init; }
    public required long[] Shape { get; init; }
    /// <summary>Null when the shapes agree; else B's shape.</summary>
    public long[]? ReferenceShape { get; init; }
    /// <summary>Null when the element types agree; else B's type. Two floating-point types are still compared
    /// (e.g. a float16 model against its float32 original), in the less precise of the two.</summary>
    public string? ReferenceElementType { get; init; }
    public long Elements { get; init; }
    public double MaxAbs { get; init; }
    public double MaxRel { get; init; }
    public double MeanAbs { get; init; }
    /// <summary>Cosine similarity of the two tensors as vectors (finite elements only); 1 when both are all zeros.</summary>
    public double Cosine { get; init; }
    public ulong MaxUlp { get; init; }
    public long CountOverTolerance { get; init; }
    public long NanMismatches { get; init; }
    public long InfMismatches { get; init; }
    /// <summary>Index of the worst element (largest |a-b|), -1 if none.</summary>
    public long WorstIndex { get; init; } = -1;
    public double Rtol { get; init; }
    public double Atol { get; init; }
    /// <summary>For logit-shaped outputs ([N,C] with C&gt;=2, or [N,C,1,1]): share of rows whose argmax agrees.</summary>
    public double? ArgmaxAgreement { get; init; }
    /// <summary>For logit-shaped outputs: share of rows whose top-5 classes are the same set (top-min(5,C)).</summary>
    public double? Top5Agreement { get; init; }

    /// <summary>False when shapes differ or the types cannot be compared (not both floating-point); then nothing was.</summary>
    public bool Comparable { get; init; } = true;

    public bool Passes => Comparable && CountOverTolerance == 0;
}
