namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// How one tensor (actual, "A") differs from a reference ("B"). Relative error is |a-b|/|b| over elements
/// with b != 0 (where b == 0 only the absolute tolerance can apply). NaN and infinities are never averaged:
/// they count as mismatches when A and B disagree on them, and as equal when both are the same NaN/inf.
/// </summary>
public sealed record TensorMetrics
{
    /// <summary>A's element type name.</summary>
    public required string ElementType { get; init; }
    /// <summary>A's shape.</summary>
    public required long[] Shape { get; init; }
    /// <summary>Null when the shapes agree; else B's shape.</summary>
    public long[]? ReferenceShape { get; init; }
    /// <summary>Null when the element types agree; else B's type. Two floating-point types are still compared
    /// (e.g. a float16 model against its float32 original), in the less precise of the two.</summary>
    public string? ReferenceElementType { get; init; }
    /// <summary>The number of elements compared.</summary>
    public long Elements { get; init; }
    /// <summary>The largest absolute difference.</summary>
    public double MaxAbs { get; init; }
    /// <summary>The largest relative difference (over elements with B non-zero).</summary>
    public double MaxRel { get; init; }
    /// <summary>The mean absolute difference.</summary>
    public double MeanAbs { get; init; }
    /// <summary>Cosine similarity of the two tensors as vectors (finite elements only); 1 when both are all zeros.</summary>
    public double Cosine { get; init; }
    /// <summary>The largest distance in units in the last place.</summary>
    public ulong MaxUlp { get; init; }
    /// <summary>Elements beyond the tolerance (NaN/infinity mismatches included).</summary>
    public long CountOverTolerance { get; init; }
    /// <summary>Elements where one side is NaN and the other is not.</summary>
    public long NanMismatches { get; init; }
    /// <summary>Elements where the two sides disagree on an infinity.</summary>
    public long InfMismatches { get; init; }
    /// <summary>Index of the worst element (largest |a-b|), -1 if none.</summary>
    public long WorstIndex { get; init; } = -1;
    /// <summary>The relative tolerance applied.</summary>
    public double Rtol { get; init; }
    /// <summary>The absolute tolerance applied.</summary>
    public double Atol { get; init; }
    /// <summary>For logit-shaped outputs ([N,C] with C&gt;=2, or [N,C,1,1]): share of rows whose argmax agrees.</summary>
    public double? ArgmaxAgreement { get; init; }
    /// <summary>For logit-shaped outputs: share of rows whose top-5 classes are the same set (top-min(5,C)).</summary>
    public double? Top5Agreement { get; init; }

    /// <summary>False when shapes differ or the types cannot be compared (not both floating-point); then nothing was.</summary>
    public bool Comparable { get; init; } = true;

    /// <summary>Comparable and nothing over tolerance.</summary>
    public bool Passes => Comparable && CountOverTolerance == 0;
}
