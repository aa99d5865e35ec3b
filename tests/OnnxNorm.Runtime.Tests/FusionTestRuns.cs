using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>Runs a small model's single output under some session options and says which op types the plan ran.</summary>
internal static class FusionTestRuns
{
    /// <summary>A 3x3 Conv (pads 1) from 3 to 8 channels with random weights and a fixed bias: x → y.</summary>
    public static void AddConv(ModelBuilder b, string x, string y, int seed)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var w = new float[8 * 3 * 3 * 3];
        for (int i = 0; i < w.Length; i++) w[i] = (float)rng.Normal() * 0.5f;
        b.Initializer("w", w, 8, 3, 3, 3);
        b.Initializer("bias", new float[] { 0.1f, -0.2f, 0.3f, 0f, -1f, 2f, 0.5f, -0.5f }, 8);
        b.Node("Conv", new[] { x, "w", "bias" }, new[] { y }, "conv", ("pads", new long[] { 1, 1, 1, 1 }));
    }

    /// <summary>Normal values times 4, with a NaN and a +∞ planted (they poison the outputs that read them).</summary>
    public static Dictionary<string, TensorValue> Feed(string name, long[] shape, int seed, bool specials = true)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var x = new float[shape.Aggregate(1L, (p, d) => p * d)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal() * 4;
        if (specials)
        {
            x[17] = float.NaN;
            x[x.Length / 2] = float.PositiveInfinity;
        }
        return new Dictionary<string, TensorValue> { [name] = TensorValue.FromFloats(shape, x) };
    }

    public static (float[] Y, List<string> Ops) Run(byte[] model, Dictionary<string, TensorValue> feeds, string output, SessionOptions options)
    {
        var profile = new OperatorProfile();
        var y = NativeSession.Create(ModelLoader.Load(model), options with { Profile = profile }).Run(feeds)[output].AsSpan<float>().ToArray();
        return (y, profile.Entries.Select(e => e.Op).ToList());
    }

    /// <summary>The unfused plan: no BN/affine fold, no activation fusion.</summary>
    public static SessionOptions Unfused(int threads = 1) => new() { Threads = threads, FoldBatchNorm = false, FuseActivations = false };

    public static void AssertBitIdentical(float[] want, float[] got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]) || float.IsNaN(want[i]) && float.IsNaN(got[i]),
                $"{what}: element {i} is {got[i]:R}, the unfused plan gives {want[i]:R}");
    }

    /// <summary>The BN-fold tests' noise rule: within 1e-5 of the largest magnitude of the unfolded output.</summary>
    public static void AssertWithinFoldNoise(float[] unfolded, float[] folded, string what)
    {
        Assert.Equal(unfolded.Length, folded.Length);
        double scale = unfolded.Where(float.IsFinite).Max(Math.Abs);
        for (int i = 0; i < unfolded.Length; i++)
            Assert.True(!float.IsFinite(unfolded[i]) ? unfolded[i].Equals(folded[i]) : Math.Abs(folded[i] - unfolded[i]) <= 1e-5 * scale,
                $"{what}: element {i} folded {folded[i]:R}, unfolded {unfolded[i]:R}");
    }
}
