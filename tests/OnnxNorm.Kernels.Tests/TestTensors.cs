using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>Random data and tolerance checks shared by the kernel tests.</summary>
internal static class TestTensors
{
    public static float[] Random(Random rng, int length, float scale = 1f)
    {
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static Activation RandomActivation(Random rng) => rng.Next(8) switch
    {
        0 => Activation.None,
        1 => Activation.Relu,
        2 => new Activation(FusedActivation.Clip, Min: -0.5f, Max: 0.75f),
        3 => new Activation(FusedActivation.LeakyRelu, Alpha: 0.1f),
        4 => new Activation(FusedActivation.Sigmoid),
        5 => new Activation(FusedActivation.Swish),
        6 => Activation.HardSigmoid(0.2f, 0.5f),
        _ => new Activation(FusedActivation.HardSwish),
    };

    /// <summary>
    /// Fails unless |actual − expected| ≤ relative·magnitude + 1e-6 everywhere, where magnitude is the sum of
    /// the absolute values of the terms that were added up (float sums in another order differ by about that).
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> magnitude, string what, double relative = 5e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * magnitude[i] + 1e-6;
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (!(error <= tolerance))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:g3} > tolerance {tolerance:g3})");
        }
    }

    public static float[] Abs(float[] a) => a.Select(Math.Abs).ToArray();
}
