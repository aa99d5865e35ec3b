using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// A double model computes in double (no float32 detour) on the ops that used to narrow: Conv (+ fused Relu) and
/// BatchNormalization then Softmax, checked against the formulas written out here. A float32 detour would be off
/// by ~1e-7 relative; double arithmetic agrees to ~1e-15.
/// </summary>
public class DoubleModelTests
{
    [Fact]
    public void A_double_conv_bn_relu_softmax_model_computes_in_double()
    {
        var rng = new DeterministicRandom(9);
        double[] x = rng.Uniforms(2 * 5 * 5, -1, 1), w = rng.Uniforms(3 * 2 * 3 * 3, -1, 1), bias = rng.Uniforms(3, -1, 1);
        double[] scale = rng.Uniforms(3, 0.5, 1.5), shift = rng.Uniforms(3, -1, 1), mean = rng.Uniforms(3, -1, 1), var_ = rng.Uniforms(3, 0.5, 1.5);
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Double, 1, 2, 5, 5);
        b.Initializer("w", ElementType.Double, new long[] { 3, 2, 3, 3 }, w);
        b.Initializer("b", ElementType.Double, new long[] { 3 }, bias);
        foreach (var (n, v) in new[] { ("s", scale), ("t", shift), ("m", mean), ("v", var_) }) b.Initializer(n, ElementType.Double, new long[] { 3 }, v);
        b.Node("Conv", new[] { "x", "w", "b" }, new[] { "c" }, "conv", ("pads", new long[] { 1, 1, 1, 1 }));
        b.Node("BatchNormalization", new[] { "c", "s", "t", "m", "v" }, new[] { "n" }, "bn", ("epsilon", 1e-5f));
        b.Node("Relu", new[] { "n" }, new[] { "r" }, "relu");
        b.Node("Softmax", new[] { "r" }, new[] { "y" }, "softmax", ("axis", 1L));
        b.Output("y", ElementType.Double, 1, 3, 5, 5);
        var session = NativeSession.Create(ModelLoader.Load(b.ToBytes()));
        var y = session.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.Wrap(ElementType.Double, new long[] { 1, 2, 5, 5 }, x) })["y"].AsSpan<double>().ToArray();

        var r = new double[3 * 25];
        for (int m = 0; m < 3; m++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                {
                    double s = bias[m];
                    for (int c = 0; c < 2; c++)
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++)
                            {
                                int ii = i + ki - 1, jj = j + kj - 1;
                                if (ii >= 0 && ii < 5 && jj >= 0 && jj < 5) s += w[((m * 2 + c) * 3 + ki) * 3 + kj] * x[(c * 5 + ii) * 5 + jj];
                            }
                    double n = (s - mean[m]) / Math.Sqrt(var_[m] + (double)1e-5f) * scale[m] + shift[m];
                    r[m * 25 + i * 5 + j] = Math.Max(n, 0);
                }
        for (int p = 0; p < 25; p++)
        {
            double sum = 0;
            for (int m = 0; m < 3; m++) sum += Math.Exp(r[m * 25 + p]);
            for (int m = 0; m < 3; m++)
                Assert.True(Math.Abs(y[m * 25 + p] - Math.Exp(r[m * 25 + p]) / sum) < 1e-14, $"element {m},{p}: {y[m * 25 + p]:R} vs {Math.Exp(r[m * 25 + p]) / sum:R}");
        }
    }
}
