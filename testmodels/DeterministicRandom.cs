namespace OnnxNorm.TestModels;

/// <summary>SplitMix64: the same seed gives the same numbers on every machine and runtime version (System.Random does not promise that).</summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Standard normal (Box-Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public double[] Normals(long n, double scale = 1.0, double mean = 0.0)
    {
        var r = new double[n];
        for (long i = 0; i < n; i++) r[i] = mean + scale * Normal();
        return r;
    }

    public double[] Uniforms(long n, double lo, double hi)
    {
        var r = new double[n];
        for (long i = 0; i < n; i++) r[i] = Uniform(lo, hi);
        return r;
    }
}
