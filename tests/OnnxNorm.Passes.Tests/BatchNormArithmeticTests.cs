using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// Which s and t the fold uses. Expected values are written out here from the definitions, in the order the
/// definitions give, not taken from the pass.
/// </summary>
public class BatchNormArithmeticTests
{
    private static PipelineResult Run(Model m, BatchNormArithmetic arithmetic, params string[] passes) =>
        PassPipeline.FromNames(passes, new PipelineOptions { Verify = true }, settings: new PassSettings { BatchNormArithmetic = arithmetic }).Run(m);

    private static (float[] W, float[] B, float[] Gamma, float[] Beta, float[] Mean, float[] Var) Parameters(Model m)
    {
        float[] F(string name) => m.Graph.Find(name)!.Initializer!.AsSpan<float>().ToArray();
        return (F("conv.weight"), F("conv.bias"), F("bn.scale"), F("bn.bias"), F("bn.mean"), F("bn.var"));
    }

    private static void SetFloats(ModelBuilder b, string name, params double[] values)
    {
        int i = b.Graph.Initializer.ToList().FindIndex(t => t.Name == name);
        b.Graph.Initializer[i] = ModelBuilder.MakeTensor(name, ElementType.Float, new long[] { values.Length }, values);
    }

    private static (float[] W, float[] B) Folded(Model m)
    {
        var conv = m.Graph.Nodes.Single(n => n.OpType == "Conv");
        return (conv.Input(1)!.Initializer!.AsSpan<float>().ToArray(), conv.Input(2)!.Initializer!.AsSpan<float>().ToArray());
    }

    [Fact]
    public void InferenceArithmeticFoldsTheFloat32ScaleAndShiftTheUnfoldedBnApplies()
    {
        var b = FoldCases.ConvBn(cin: 3, cout: 5, kernel: 3, bias: true, seed: 21);
        using var m = Load(b);
        var p = Parameters(m);
        const float eps = 1e-5f;
        Run(m, BatchNormArithmetic.Inference, "fold-bn");
        var (w, bias) = Folded(m);
        int slab = p.W.Length / 5;
        for (int c = 0; c < 5; c++)
        {
            // What float32 inference computes for the unfolded BN: every step rounded to float32.
            float inv = 1f / MathF.Sqrt(p.Var[c] + eps);
            float s = inv * p.Gamma[c];
            float ms = p.Mean[c] * s;
            float t = p.Beta[c] - ms;
            for (int i = c * slab; i < (c + 1) * slab; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)((double)p.W[i] * s)), BitConverter.SingleToInt32Bits(w[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits((float)((double)p.B[c] * s + t)), BitConverter.SingleToInt32Bits(bias[c]));
        }
    }

    [Fact]
    public void ExactArithmeticFoldsTheRealNumberFormulaRoundedOnce()
    {
        var b = FoldCases.ConvBn(cin: 3, cout: 5, kernel: 3, bias: true, seed: 21);
        using var m = Load(b);
        var p = Parameters(m);
        double eps = 1e-5f;
        Run(m, BatchNormArithmetic.Exact, "fold-bn");
        var (w, bias) = Folded(m);
        int slab = p.W.Length / 5;
        for (int c = 0; c < 5; c++)
        {
            double s = p.Gamma[c] / Math.Sqrt(p.Var[c] + eps);
            double t = p.Beta[c] - p.Mean[c] * s;
            for (int i = c * slab; i < (c + 1) * slab; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)(p.W[i] * s)), BitConverter.SingleToInt32Bits(w[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits((float)(p.B[c] * s + t)), BitConverter.SingleToInt32Bits(bias[c]));
        }
    }

    [Fact]
    public void TheTwoArithmeticsDifferOnlyInTheLastBits()
    {
        var b = FoldCases.ConvBn(cin: 8, cout: 16, kernel: 3, bias: true, seed: 22);
        using var inference = Load(b);
        using var exact = Load(b);
        Run(inference, BatchNormArithmetic.Inference, "fold-bn");
        Run(exact, BatchNormArithmetic.Exact, "fold-bn");
        var (wi, _) = Folded(inference);
        var (we, _) = Folded(exact);
        int differ = 0;
        for (int i = 0; i < wi.Length; i++)
        {
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(wi[i]) - BitConverter.SingleToInt32Bits(we[i]));
            Assert.True(ulps <= 2, $"weight {i}: {wi[i]} vs {we[i]}");
            if (ulps > 0) differ++;
        }
        Assert.True(differ > 0, "float32 inference rounding should show in some folded weight");
    }

    [Fact]
    public void ADoubleBnIsFoldedInDouble()
    {
        // Every engine computes a double BN in double, so there is no float32 step to reproduce.
        var b = FoldCases.ConvBn(type: ElementType.Double, cin: 2, cout: 3, kernel: 1, bias: false, seed: 23);
        using var m = Load(b);
        double[] P(string n) => m.Graph.Find(n)!.Initializer!.ToDoubles();
        double[] w = P("conv.weight"), g = P("bn.scale"), v = P("bn.var");
        double eps = 1e-5f;
        Run(m, BatchNormArithmetic.Inference, "fold-bn");
        var folded = m.Graph.Nodes.Single(n => n.OpType == "Conv").Input(1)!.Initializer!.ToDoubles();
        for (int i = 0; i < w.Length; i++)
            Assert.Equal(w[i] * (1.0 / Math.Sqrt(v[i / (w.Length / 3)] + eps) * g[i / (w.Length / 3)]), folded[i]);
    }

    [Fact]
    public void AScaleThatOverflowsFloat32InferenceArithmeticIsRefused()
    {
        // In double γ/√σ² is 1e39, which float32 cannot hold: the unfolded float32 model itself overflows here.
        var b = FoldCases.ConvBn(cin: 1, cout: 2, kernel: 1, seed: 24);
        SetFloats(b, "bn.var", 1e-36, 1);
        SetFloats(b, "bn.scale", 1e21, 1);
        b.Graph.Node.Single(n => n.OpType == "BatchNormalization").Attribute.Single(a => a.Name == "epsilon").F = 0f;
        using var m = Load(b);
        var r = Run(m, BatchNormArithmetic.Inference, "fold-bn");
        Assert.Equal(FoldRefusalCodes.NonFiniteStatistics, Single(r, "bn").Code);
        Assert.Contains("channel 0", Single(r, "bn").Message);
        Assert.Equal(1, Count(m, "BatchNormalization"));
    }
}
