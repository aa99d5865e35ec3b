using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// Folded models against their originals in ONNX Runtime (its own optimisations off, so ORT does not fold
/// the original too), on seeded inputs, with a tolerance that follows the dtype.
/// </summary>
public class OrtFoldEquivalenceTests
{
    private static readonly OrtSessionOptions Plain = new() { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = 1, InterOpThreads = 1 };

    private static Dictionary<string, TensorValue> Inputs(OrtSession s, ulong seed)
    {
        var rng = new DeterministicRandom(seed);
        var feeds = new Dictionary<string, TensorValue>();
        foreach (var info in s.Inputs)
        {
            var shape = info.Dims.Select((d, i) => d >= 0 ? d : i == 0 ? 1 : 64).ToArray();
            var v = TensorValue.Allocate(info.ElementType, shape);
            var values = rng.Normals(v.Length);
            switch (v.Buffer)
            {
                case float[] f: for (int i = 0; i < f.Length; i++) f[i] = (float)values[i]; break;
                case Half[] h: for (int i = 0; i < h.Length; i++) h[i] = (Half)values[i]; break;
                case double[] d: values.CopyTo(d, 0); break;
                case bool[] b: Array.Fill(b, true); break;
                default: throw new InvalidOperationException($"no generator for {info}");
            }
            feeds[info.Name] = v;
        }
        return feeds;
    }

    /// <summary>Max |original − folded| over all outputs, relative to the largest |original| (at least 1).</summary>
    internal static double RelativeDifference(byte[] original, byte[] folded, ulong seed = 11)
    {
        using var a = OrtSession.FromBytes(original, Plain, "original");
        using var b = OrtSession.FromBytes(folded, Plain, "folded");
        var feeds = Inputs(a, seed);
        var ea = a.Run(feeds);
        var eb = b.Run(feeds);
        Assert.Equal(ea.Keys.Order(), eb.Keys.Order());
        double worst = 0;
        foreach (var (name, x) in ea)
        {
            double[] xv = x.ToDoubles(), yv = eb[name].ToDoubles();
            Assert.Equal(x.Shape, eb[name].Shape);
            double scale = Math.Max(1, xv.Max(Math.Abs));
            for (int i = 0; i < xv.Length; i++) worst = Math.Max(worst, Math.Abs(xv[i] - yv[i]) / scale);
        }
        return worst;
    }

    private static byte[] Optimize(byte[] model, params string[] passes)
    {
        using var m = ModelLoader.Load(model);
        Run(m, passes.Length == 0 ? PassRegistry.DefaultPipeline.ToArray() : passes);
        Assert.Equal(0, Count(m, "BatchNormalization"));
        return ModelSaver.ToBytes(m);
    }

    [Fact]
    public void BnToAffineReproducesOrtsOwnBatchNormKernelBitForBit()
    {
        // The inference arithmetic's s and t are the constants ORT's float32 BN kernel applies: as Mul + Add
        // (each rounded once, as the kernel rounds) the result is the kernel's, bit for bit.
        var rng = new DeterministicRandom(31);
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 2, 16, 8, 8);
        var p = new FoldCases.BnParams(rng.Uniforms(16, 0.5, 1.5), rng.Normals(16, 0.3), rng.Normals(16, 0.3), rng.Uniforms(16, 1e-3, 10));
        b.Node("Identity", new[] { FoldCases.BatchNorm(b, "x", "bn", p) }, new[] { "y" }, "out");
        b.OutputUnknownShape("y", ElementType.Float);
        var original = b.ToBytes();
        Assert.Equal(0.0, RelativeDifference(original, Optimize(original, "bn-to-affine")));
    }

    [Fact]
    public void ConvBnSmallFoldedMatchesOriginalInOrt()
    {
        var original = File.ReadAllBytes(TestData.TestModel("convbn_small.onnx"));
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Theory]
    [InlineData(TestData.PaddleCls)]
    [InlineData(TestData.PaddleDet)]
    [InlineData(TestData.PaddleRec)]
    public void PaddleModelsFoldedMatchOriginalInOrt(string file)
    {
        var original = File.ReadAllBytes(TestData.Paddle(file));
        using var m = ModelLoader.Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.True(RelativeDifference(original, ModelSaver.ToBytes(m)) < 1e-4);
    }

    [Theory]
    [InlineData(2, 1, false)]
    [InlineData(2, 2, true)]
    [InlineData(1, 4, true)]
    [InlineData(3, 1, true)]
    public void ConvFoldsMatchInOrt(int spatial, int group, bool bias)
    {
        var original = FoldCases.ConvBn(spatial: spatial, group: group, cout: group == 4 ? 4 : 6, bias: bias).ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Fact]
    public void GroupedConvTransposeFoldMatchesInOrt()
    {
        var original = FoldCases.ConvTransposeBn(cin: 4, cout: 6, group: 2).ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Theory]
    [InlineData(true, false, 0.5f, 2f)]
    [InlineData(false, true, 1f, 0f)]
    public void GemmFoldMatchesInOrt(bool transA, bool transB, float alpha, float beta)
    {
        var original = FoldCases.GemmBn(transA, transB, alpha, beta, new long[] { 3, 5 }).ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Fact]
    public void MatMulToGemmFoldMatchesInOrt()
    {
        var original = FoldCases.MatMulBn().ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Fact]
    public void ForwardFoldMatchesInOrt()
    {
        var original = FoldCases.ReluBnConv(group: 2).ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Fact]
    public void BnInsideALoopBodyFoldsAndMatchesInOrt()
    {
        var original = FoldCases.ConvBnInLoopBody().ToBytes();
        Assert.True(RelativeDifference(original, Optimize(original)) < 1e-5);
    }

    [Fact]
    public void BnToAffineMatchesInOrt()
    {
        var original = File.ReadAllBytes(TestData.TestModel("convbn_small.onnx"));
        Assert.True(RelativeDifference(original, Optimize(original, "bn-to-affine")) < 1e-5);
    }

    [Fact]
    public void Float16FoldStaysWithinFloat16Tolerance()
    {
        // fp16 has an 11-bit significand (ulp 2^-10 ≈ 1e-3 relative); a 3×3×4 accumulation in fp16 on
        // both sides gives a few ulps. 2e-2 of the output range leaves room for that, and no more.
        var original = FoldCases.ConvBn(type: ElementType.Float16, bias: true).ToBytes();
        double diff = RelativeDifference(original, Optimize(original));
        Assert.True(diff < 2e-2, $"relative difference {diff}");
    }

    [Fact]
    public void AWrongFoldIsDetected()
    {
        // The comparison itself must be able to fail: perturb one folded weight and expect a difference.
        var original = FoldCases.ConvBn().ToBytes();
        using var m = ModelLoader.Load(Optimize(original));
        var conv = m.Graph.Nodes.Single(n => n.OpType == "Conv");
        var w = conv.Input(1)!.Initializer!;
        var values = w.ToDoubles();
        values[0] += 1;
        conv.SetInput(1, m.Graph.AddInitializer("perturbed", Tensor.FromDoubles("", w.ElementType, w.Dims, values)));
        Assert.True(RelativeDifference(original, ModelSaver.ToBytes(m)) > 1e-3);
    }
}
