namespace OnnxNorm.Passes;

/// <summary>The verdict, the worst difference seen, the tolerance it was judged by, and one line for people.</summary>
public sealed record EquivalenceResult(bool Equivalent, double MaxAbsDifference, double Tolerance, string Summary);
