using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ort.Tests;

public class ComparisonTests
{
    private static readonly ComparisonOptions OneThread = new()
    {
        Session = new() { IntraOpThreads = 1, InterOpThreads = 1 },
    };

    /// <summary>ConvBnSmall with one weight of one Conv changed by a visible amount.</summary>
    internal static byte[] PerturbedConvBnSmall(string initializer, float delta)
    {
        var b = CnnModels.ConvBnSmall();
        var t = b.Graph.Initializer.Single(i => i.Name == initializer);
        var raw = t.RawData.ToByteArray();
        float w = BitConverter.ToSingle(raw, 0);
        BitConverter.GetBytes(w + delta).CopyTo(raw, 0);
        t.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
        return b.ToBytes();
    }

    [Fact]
    public void Identical_models_are_equivalent()
    {
        var bytes = CnnModels.ConvBnSmall().ToBytes();
        var r = OrtComparison.Compare(ModelSource.FromBytes(bytes, "a"), ModelSource.FromBytes(bytes, "b"), OneThread with { PerNode = true });
        Assert.True(r.Equivalent);
        var m = r.Outputs["logits"];
        Assert.Equal(0, m.MaxAbs);
        Assert.Equal(0UL, m.MaxUlp);
        Assert.Equal(1.0, m.ArgmaxAgreement);
        Assert.Null(r.FirstDivergence);
        Assert.True(r.PerNodeSearched);
        Assert.Empty(r.PerNodeSkipped);
    }

    [Fact]
    public void Per_node_names_the_node_that_uses_a_perturbed_weight()
    {
        var a = CnnModels.ConvBnSmall().ToBytes();
        var b = PerturbedConvBnSmall("pw.weight", 0.5f);
        var r = OrtComparison.Compare(ModelSource.FromBytes(a, "a.onnx"), ModelSource.FromBytes(b, "b.onnx"),
            OneThread with { PerNode = true, PerNodeChunkSize = 3 });
        Assert.False(r.Equivalent);
        Assert.True(r.Outputs["logits"].CountOverTolerance > 0);
        var d = Assert.IsType<NodeDivergence>(r.FirstDivergence);
        Assert.Equal("pw.conv", d.Node);
        Assert.Equal("Conv", d.Op);
        Assert.Equal("pw.conv_out", d.Output);
        Assert.True(d.Metrics.MaxAbs > 0);
        Assert.Empty(r.PerNodeSkipped);
    }

    [Fact]
    public void Same_seed_same_inputs_and_different_seed_different_inputs()
    {
        var bytes = CnnModels.ConvBnSmall().ToBytes();
        var r1 = OrtComparison.Compare(bytes, bytes, seed: 5);
        var r2 = OrtComparison.Compare(bytes, bytes, seed: 5);
        Assert.Equal(r1.Inputs["input"], r2.Inputs["input"]);
        Assert.Contains("seed 5", r1.Inputs["input"]);
    }

    [Fact]
    public void Orts_own_bn_folding_is_equivalent_under_close_tolerance()
    {
        // ORT's basic optimisation level folds every BatchNormalization into its Conv; the saved result must
        // compute the same logits as the original within the default tolerance. A real use of compare.
        string dir = TestSupport.TestData.NewTempDir();
        string folded = Path.Combine(dir, "folded.onnx");
        string original = TestSupport.TestData.TestModel("convbn_small.onnx");
        using (OnnxNorm.Ort.OrtSession.FromFile(original, new() { OptimizationLevel = OnnxNorm.Ort.GraphOptimizationLevel.Basic, OptimizedModelPath = folded, IntraOpThreads = 1 })) { }
        var r = OrtComparison.Compare(ModelSource.FromFile(folded), ModelSource.FromFile(original),
            OneThread with { PerNode = true, Shapes = OnnxNorm.Runtime.Data.ShapeOverrides.Parse(new[] { "input=4x3x32x32" }) });
        Assert.True(r.Equivalent, $"max abs {r.Outputs["logits"].MaxAbs}");
        Assert.Equal(new long[] { 4, 10 }, r.Outputs["logits"].Shape);
        Assert.Equal(1.0, r.Outputs["logits"].ArgmaxAgreement);
        Assert.Null(r.FirstDivergence);
    }

    [Fact]
    public void A_float16_model_compares_with_its_float32_original()
    {
        // y = relu(x * 0.5) in float32 and in float16.
        static byte[] Model(OnnxNorm.Ir.ElementType t)
        {
            var b = new ModelBuilder(opset: 17);
            b.Input("x", t, 2, 8);
            b.Initializer("half", t, new long[] { 1 }, new[] { 0.5 });
            b.Op("Relu", "y", b.Op("Mul", "m", "x", "half"));
            b.Output("y", t, 2, 8);
            return b.ToBytes();
        }
        // The random inputs follow A (float32); B gets them rounded to half, which the comparison must see.
        var r = OrtComparison.Compare(ModelSource.FromBytes(Model(OnnxNorm.Ir.ElementType.Float), "fp32"),
            ModelSource.FromBytes(Model(OnnxNorm.Ir.ElementType.Float16), "fp16"), OneThread with { PerNode = true });
        var y = r.Outputs["y"];
        Assert.Equal("float32", y.ElementType);
        Assert.Equal("float16", y.ReferenceElementType);
        Assert.True(y.MaxAbs > 0);      // half rounding is visible...
        Assert.True(r.Equivalent);      // ...and within the float16 tolerance
        Assert.Null(r.FirstDivergence);
    }

    [Theory]
    [InlineData(TestSupport.TestData.PaddleCls, "x=1x3x48x192")]
    [InlineData(TestSupport.TestData.PaddleDet, "x=1x3x96x96")]
    public void Paddle_models_with_unfolded_bn_match_orts_folded_version(string file, string shape)
    {
        string original = TestSupport.TestData.Paddle(file);
        string folded = Path.Combine(TestSupport.TestData.NewTempDir(), "folded.onnx");
        using (OnnxNorm.Ort.OrtSession.FromFile(original, new() { OptimizationLevel = OnnxNorm.Ort.GraphOptimizationLevel.Basic, OptimizedModelPath = folded, IntraOpThreads = 1 })) { }
        // ORT folds the BNs that follow a Conv (some, e.g. after ConvTranspose, may stay).
        static int CountBn(string path) { using var m = OnnxNorm.Ir.ModelLoader.Load(path); return m.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"); }
        Assert.True(CountBn(folded) < CountBn(original));
        var r = OrtComparison.Compare(ModelSource.FromFile(folded), ModelSource.FromFile(original),
            OneThread with { Seed = 11, Shapes = OnnxNorm.Runtime.Data.ShapeOverrides.Parse(new[] { shape }) });
        Assert.True(r.Equivalent, string.Join("; ", r.Outputs.Select(kv => $"{kv.Key}: max abs {kv.Value.MaxAbs}, over {kv.Value.CountOverTolerance}")));
    }

    [Fact]
    public void ResNet18_like_per_node_search_names_the_perturbed_layer()
    {
        // The 47 MB benchmark model: per-node search must work (and stay bounded) on a real-size network.
        string original = TestSupport.TestData.ResNet18Like;
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(original));
        var weight = proto.Graph.Initializer.Single(t => t.Name == "layer3.0.conv2.weight");
        var raw = weight.RawData.ToByteArray();
        BitConverter.GetBytes(BitConverter.ToSingle(raw, 0) + 1f).CopyTo(raw, 0);
        weight.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
        var r = OrtComparison.Compare(ModelSource.FromBytes(proto.ToByteArray(), "perturbed"), ModelSource.FromFile(original), OneThread with { PerNode = true });
        Assert.False(r.Equivalent);
        Assert.Equal("layer3.0.conv2.conv", r.FirstDivergence?.Node);
        Assert.Equal("Conv", r.FirstDivergence?.Op);
    }
}
