namespace OnnxNorm.Passes;

/// <summary>The verdict, the worst absolute difference seen, the tolerance it was judged by, and one line for people.</summary>
public sealed record EquivalenceResult(bool Equivalent, double MaxAbsDifference, string Tolerance, string Summary);
