using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The standalone BatchNormalization kernel against the formula computed in double. Its error must be plain rounding,
/// unbiased in every channel: a per-channel constant rounded to float once (the folded scale a and shift b) adds the
/// same error to every element of the channel, which a global average pool keeps and a dot product over channels
/// adds up (PaddleOCR cls: its pooled features erred by +1.3e-7 of an rms 1.5e-7, a false alarm at its MatMul).
/// </summary>
public class BatchNormalizationBiasTests
{
    [Fact]
    public void The_error_of_each_channel_against_a_double_computation_has_no_sign_of_its_own()
    {
        const int channels = 64, plane = 4096;
        var rng = new DeterministicRandom(12);
        float[] Random(Func<double> f) => Enumerable.Range(0, channels).Select(_ => (float)f()).ToArray();
        float[] scale = Random(() => rng.Normal() + 1), bias = Random(() => rng.Normal()), mean = Random(() => rng.Normal() * 0.3),
            variance = Random(() => Math.Exp(rng.Normal()));
        const float eps = 1e-5f;
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 1, channels, 64, 64);
        b.Initializer("s", scale, channels);
        b.Initializer("b", bias, channels);
        b.Initializer("m", mean, channels);
        b.Initializer("v", variance, channels);
        b.Node("BatchNormalization", new[] { "x", "s", "b", "m", "v" }, new[] { "y" }, "bn", ("epsilon", eps));
        b.OutputUnknownShape("y", ElementType.Float);
        var x = new float[channels * plane];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal();
        var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()))
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, channels, 64, 64 }, x) })["y"].AsSpan<float>();

        // Per channel, the mean signed error over its 4096 elements relative to their rms: about 1/√4096 ≈ 0.016 for
        // unbiased rounding; a constant rounded once per channel shows as 0.3-1 in most channels.
        double sumSquares = 0;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++)
            {
                double exact = (x[i] - (double)mean[c]) / Math.Sqrt(variance[c] + (double)eps) * scale[c] + bias[c];
                double e = y[i] - exact;
                sum += e;
                squares += e * e;
            }
            double ratio = sum / plane / Math.Sqrt(squares / plane);
            sumSquares += ratio * ratio;
        }
        double rmsRatio = Math.Sqrt(sumSquares / channels);
        Assert.True(rmsRatio < 0.05, $"per-channel mean error / rms error: rms over channels {rmsRatio:G3}");
    }
}
