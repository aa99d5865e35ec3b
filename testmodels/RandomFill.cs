using OnnxNorm.Ir;

namespace OnnxNorm.TestModels;

/// <summary>Bulk draws for weights and data of generated models.</summary>
public static class RandomFill
{
    public static double Uniform(this DeterministicRandom rng, double lo, double hi) => lo + (hi - lo) * rng.NextDouble();

    public static double[] Normals(this DeterministicRandom rng, long n, double scale = 1.0, double mean = 0.0)
    {
        var r = new double[n];
        for (long i = 0; i < n; i++) r[i] = mean + scale * rng.Normal();
        return r;
    }

    public static double[] Uniforms(this DeterministicRandom rng, long n, double lo, double hi)
    {
        var r = new double[n];
        for (long i = 0; i < n; i++) r[i] = rng.Uniform(lo, hi);
        return r;
    }
}
