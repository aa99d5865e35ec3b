namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// Count, mean and sum of squared deviations (M2) of one stream of numbers, in double. Single values are
/// added with Welford's update; partial results (one batch, one thread) are combined with Chan et al.'s
/// pairwise merge, which stays accurate where the textbook Σx² − n·mean² cancels catastrophically.
/// </summary>
public struct RunningMoments
{
    /// <summary>How many values.</summary>
    public long Count;
    /// <summary>Their mean.</summary>
    public double Mean;
    /// <summary>The sum of squared deviations from the mean.</summary>
    public double M2;

    /// <summary>Moments from their parts.</summary>
    public RunningMoments(long count, double mean, double m2)
    {
        Count = count;
        Mean = mean;
        M2 = m2;
    }

    /// <summary>Population variance (divide by n): what ONNX inference BatchNormalization expects as running_var.</summary>
    public readonly double PopulationVariance => Count > 0 ? M2 / Count : double.NaN;

    /// <summary>Sample variance (divide by n−1), for reference; PyTorch stores this one.</summary>
    public readonly double SampleVariance => Count > 1 ? M2 / (Count - 1) : double.NaN;

    /// <summary>Adds one value (Welford's update).</summary>
    public void Add(double x)
    {
        Count++;
        double delta = x - Mean;
        Mean += delta / Count;
        M2 += delta * (x - Mean);
    }

    /// <summary>Chan's merge: the moments of the union of both streams.</summary>
    public void Merge(in RunningMoments other)
    {
        if (other.Count == 0) return;
        if (Count == 0) { this = other; return; }
        long n = Count + other.Count;
        double delta = other.Mean - Mean;
        // Weighting by the fraction keeps the update stable when one side is much larger than the other.
        Mean += delta * ((double)other.Count / n);
        M2 += other.M2 + delta * delta * ((double)Count * other.Count / n);
        Count = n;
    }
}
