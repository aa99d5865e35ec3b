namespace OnnxNorm.Ir;

/// <summary>
/// SplitMix64: the same seed gives the same numbers on every machine and .NET version, which System.Random
/// does not promise. Seeded inputs (compare, bench, optimize --verify) and generated test models both rely on
/// it, so a run can be reproduced from the seed in its report.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    /// <summary>A generator whose sequence depends only on <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box-Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [lo, hi).</summary>
    public long Next(long lo, long hi) => lo + (long)(NextUInt64() % (ulong)(hi - lo));
}
