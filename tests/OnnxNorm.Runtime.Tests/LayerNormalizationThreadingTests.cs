using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>LayerNormalization splits its rows across threads on large inputs; the split must not change a bit.</summary>
public class LayerNormalizationThreadingTests
{
    // ConvNeXt's first stage: 56x56 rows of 96 channels (splitting forced with SplitAllWork).
    [Fact]
    public void Rows_are_bit_identical_at_one_two_and_four_threads_and_match_a_double_evaluation()
    {
        const int rows = 56 * 56, size = 96;
        var rng = new DeterministicRandom(21);
        var x = new float[rows * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.Normal() * 3 + 1);
        var scale = new float[size];
        var bias = new float[size];
        for (int i = 0; i < size; i++) { scale[i] = (float)rng.Normal(); bias[i] = (float)rng.Normal(); }
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 56, 56, size);
        b.Initializer("scale", scale, size);
        b.Initializer("bias", bias, size);
        b.Node("LayerNormalization", new[] { "x", "scale", "bias" }, new[] { "y" }, "ln", ("axis", -1L), ("epsilon", 1e-6f));
        b.OutputUnknownShape("y", ElementType.Float);
        var model = b.ToBytes();
        var feed = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 56, 56, size }, x) };
        float[] Run(int threads)
        {
            using var m = ModelLoader.Load(model);
            return NativeSession.Create(m, new SessionOptions { Threads = threads, SplitAllWork = threads > 1 }).Run(feed)["y"].AsSpan<float>().ToArray();
        }
        var one = Run(1);
        // Rows at the start, the middle (where a two-way split begins) and the end, normalised in double here.
        foreach (int row in new[] { 0, rows / 2, rows / 2 + 1, rows - 1 })
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < size; i++) mean += x[row * size + i];
            mean /= size;
            for (int i = 0; i < size; i++) { double d = x[row * size + i] - mean; sq += d * d; }
            double inv = 1 / Math.Sqrt(sq / size + 1e-6);
            for (int i = 0; i < size; i++)
            {
                double expected = (x[row * size + i] - mean) * inv * scale[i] + bias[i];
                Assert.True(Math.Abs(expected - one[row * size + i]) <= 1e-5 * (1 + Math.Abs(expected)), $"row {row}, channel {i}: expected {expected}, got {one[row * size + i]}");
            }
        }
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(threads));
    }

    // Row lengths around the 8-value vector steps (the tails run one by one), normalised in double here; the
    // normalised value before scale and bias is checked to a float's rounding.
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(40)]
    [InlineData(383)]
    public void Rows_of_any_length_match_a_double_evaluation(int size)
    {
        const int rows = 9;
        var rng = new DeterministicRandom((ulong)size);
        var x = new float[rows * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.Normal() * 2 - 5);
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, rows, size);
        b.Initializer("scale", Enumerable.Repeat(1f, size).ToArray(), size);
        b.Node("LayerNormalization", new[] { "x", "scale" }, new[] { "y" }, "ln", ("axis", -1L), ("epsilon", 1e-5f));
        b.OutputUnknownShape("y", ElementType.Float);
        using var m = ModelLoader.Load(b.ToBytes());
        var y = NativeSession.Create(m, new SessionOptions()).Run(
            new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { rows, size }, x) })["y"].AsSpan<float>().ToArray();
        for (int row = 0; row < rows; row++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < size; i++) mean += x[row * size + i];
            mean /= size;
            for (int i = 0; i < size; i++) { double d = x[row * size + i] - mean; sq += d * d; }
            double inv = 1 / Math.Sqrt(sq / size + (double)1e-5f);
            for (int i = 0; i < size; i++)
            {
                double expected = (x[row * size + i] - mean) * inv;
                Assert.True(Math.Abs(expected - y[row * size + i]) <= 2e-7 * Math.Abs(expected) + 1e-12, $"size {size}, row {row}, value {i}: expected {expected}, got {y[row * size + i]}");
            }
        }
    }
}
