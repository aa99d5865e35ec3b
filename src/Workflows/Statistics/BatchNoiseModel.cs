namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// How far one channel's batch statistics stray from the population at batch size B, in closed form, for
/// batches of B samples drawn independently from the calibration samples. Samples are independent, spatial
/// positions are not (neighbouring pixels of one image move together), so the model works from each
/// sample's own mean m_i and variance v_i over the spatial dims, never from B·H·W independent values.
/// <para>With μ, σ² the population mean and variance, e_i = m_i − μ and d_i = v_i + e_i² (the sample's mean
/// squared deviation from μ), the batch mean is μ + ē and the batch variance is σ² + (d̄ − σ²) − ē². So
/// <list type="bullet">
/// <item>E[(batch mean − μ)²] = E[e²] / B;</item>
/// <item>E[(batch var − σ²)²] = Var(d)/B − 2·Cov(d, e²)/B² + (E[e⁴] + 3(B−1)·E[e²]²)/B³,</item>
/// </list>
/// exact for draws with replacement, with every moment taken over the calibration samples.</para>
/// <para>MeanNoise = √E[(batch mean − μ)²] / √(σ² + ε) and VarNoise = √E[(batch var − σ²)²] / (σ² + ε): the
/// root-mean-square error of what a training-mode BN normalises by, in the units it normalises in (ε is
/// the layer's epsilon, as in the mean-shift measure).</para>
/// </summary>
internal sealed class BatchNoiseModel
{
    private readonly double _unit2, _e2, _e4, _varD, _covDE2;

    private BatchNoiseModel(double unit2, double e2, double e4, double varD, double covDE2)
    {
        _unit2 = unit2; _e2 = e2; _e4 = e4; _varD = varD; _covDE2 = covDE2;
    }

    public int Samples { get; private init; }

    public static BatchNoiseModel FromSamples(IReadOnlyList<double> means, IReadOnlyList<double> variances, double epsilon)
    {
        int n = means.Count;
        if (n == 0) return new BatchNoiseModel(1, 0, 0, 0, 0);
        double mu = 0;
        for (int i = 0; i < n; i++) mu += means[i];
        mu /= n;
        double e2 = 0, e4 = 0, dMean = 0;
        for (int i = 0; i < n; i++)
        {
            double e = means[i] - mu, ee = e * e;
            e2 += ee; e4 += ee * ee; dMean += variances[i] + ee;
        }
        e2 /= n; e4 /= n; dMean /= n;   // dMean = σ², the population variance
        double varD = 0, covDE2 = 0;
        for (int i = 0; i < n; i++)
        {
            double e = means[i] - mu, ee = e * e;
            double dd = variances[i] + ee - dMean;
            varD += dd * dd;
            covDE2 += dd * (ee - e2);
        }
        varD /= n; covDE2 /= n;
        return new BatchNoiseModel(dMean + epsilon, e2, e4, varD, covDE2) { Samples = n };
    }

    public double MeanNoise(int batchSize) => Math.Sqrt(_e2 / batchSize / _unit2);

    public double VarNoise(int batchSize)
    {
        double b = batchSize;
        double mse = _varD / b - 2 * _covDE2 / (b * b) + (_e4 + 3 * (b - 1) * _e2 * _e2) / (b * b * b);
        return Math.Sqrt(Math.Max(0, mse)) / _unit2;
    }
}
