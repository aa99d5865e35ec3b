using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Softmax over the last axis (the vector-exp row path): within a few float32 ulps of a float64 softmax of the
/// float32 differences x − max on every row length, the ragged end included; a row gives the same bits wherever it sits in the batch; NaN poisons its row and
/// −∞ gives exactly 0.
/// </summary>
public class SoftmaxRowTests
{
    private static float[] Run(float[] x, int rows, int len, SessionOptions? options = null)
    {
        var b = new ModelBuilder(opset: 13);
        b.Input("x", ElementType.Float, rows, len);
        b.Node("Softmax", new[] { "x" }, new[] { "y" }, "softmax", ("axis", -1L));
        b.OutputUnknownShape("y", ElementType.Float);
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { rows, len }, x) };
        return NativeSession.Create(ModelLoader.Load(b.ToBytes()), options ?? SessionOptions.Default).Run(feeds)["y"].AsSpan<float>().ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(160)]
    [InlineData(6625)]
    public void EveryValueIsWithinFourUlpsOfAFloat64SoftmaxAndEveryRowCopyGivesTheSameBits(int len)
    {
        var rng = new DeterministicRandom((ulong)len);
        var row = new float[len];
        for (int i = 0; i < len; i++) row[i] = (float)(rng.Normal() * 5);
        var x = row.Concat(row).Concat(row).ToArray();
        var y = Run(x, 3, len);
        // x − max is a float32 subtraction in any float32 softmax (ORT's too); the rest is computed in float64 here.
        float max = row.Max();
        double sum = row.Sum(v => Math.Exp(v - max));
        for (int i = 0; i < len; i++)
        {
            double want = Math.Exp(row[i] - max) / sum;
            Assert.True(Math.Abs(y[i] - want) <= 4 * 1.2e-7 * want + 1e-37, $"length {len}, value {i}: {y[i]:R}, float64 {want:R}");
            Assert.Equal(BitConverter.SingleToInt32Bits(y[i]), BitConverter.SingleToInt32Bits(y[len + i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(y[i]), BitConverter.SingleToInt32Bits(y[2 * len + i]));
        }
    }

    [Fact]
    public void NaNPoisonsItsRowAndMinusInfinityGivesZero()
    {
        var x = new[] { 1f, float.NaN, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, /* row 2 */ 1f, float.NegativeInfinity, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f };
        var y = Run(x, 2, 10);
        Assert.All(y[..10], v => Assert.True(float.IsNaN(v)));
        Assert.Equal(0f, y[11]);
        Assert.All(y[10..].Where((_, i) => i != 1), v => Assert.Equal(1f / 9, v, 1e-7f));
    }

    [Theory]
    [InlineData(40)]   // an attention row of PP-OCRv4 rec
    [InlineData(6625)] // its character scores: 16-wide steps, then an 8-wide one, then a ragged end
    [InlineData(23)]
    public void Avx2_and_avx512_sessions_at_one_and_two_threads_give_the_same_bits(int len)
    {
        const int rows = 37;
        var rng = new DeterministicRandom((ulong)len + 5);
        var x = new float[rows * len];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.Normal() * 4);
        var reference = Run(x, rows, len, new SessionOptions { Isa = Kernels.KernelIsa.Avx2, Threads = 1 });
        foreach (var options in new[]
        {
            new SessionOptions { Isa = Kernels.KernelIsa.Avx512, Threads = 1 },
            new SessionOptions { Isa = Kernels.KernelIsa.Avx512, Threads = 2, SplitAllWork = true },
            new SessionOptions { Isa = Kernels.KernelIsa.Avx2, Threads = 2, SplitAllWork = true },
        })
            Assert.Equal(reference.Select(BitConverter.SingleToInt32Bits), Run(x, rows, len, options).Select(BitConverter.SingleToInt32Bits));
    }
}
