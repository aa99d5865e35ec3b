using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

public class FreezeBnTests
{
    /// <summary>
    /// Conv → BN → Relu → Conv → BN. trainingStyle picks how the BNs are in training mode: "bn15" training_mode=1
    /// with running_mean as a graph output, "bn9" five outputs, "bn6" is_test=0; "inference" is the same model
    /// with both BNs in inference mode: what freezing must produce, built independently.
    /// </summary>
    private static ModelBuilder ConvBnModel(string style, bool defaultStats = false)
    {
        int opset = style switch { "bn9" => 9, "bn6" => 6, _ => 15 };
        var rng = new DeterministicRandom(42);
        var b = new ModelBuilder(opset: opset, irVersion: opset >= 9 ? 7 : 3);
        var x = b.Input("x", ElementType.Float, 2, 3, 8, 8);
        string h = x;
        for (int i = 1; i <= 2; i++)
        {
            int cin = i == 1 ? 3 : 8;
            var w = b.Initializer($"conv{i}.w", ElementType.Float, new long[] { 8, cin, 3, 3 }, rng.Normals(8 * cin * 9, 0.3));
            b.Node("Conv", new[] { h, w }, new[] { $"conv{i}.out" }, $"conv{i}", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
            var s = b.Initializer($"bn{i}.scale", ElementType.Float, new long[] { 8 }, rng.Uniforms(8, 0.5, 1.5));
            var bb = b.Initializer($"bn{i}.bias", ElementType.Float, new long[] { 8 }, rng.Normals(8, 0.1));
            var m = b.Initializer($"bn{i}.mean", ElementType.Float, new long[] { 8 }, defaultStats && i == 2 ? new double[8] : rng.Normals(8, 0.5));
            var v = b.Initializer($"bn{i}.var", ElementType.Float, new long[] { 8 }, defaultStats && i == 2 ? Enumerable.Repeat(1.0, 8).ToArray() : rng.Uniforms(8, 0.5, 2.0));
            var ins = new[] { $"conv{i}.out", s, bb, m, v };
            string y = $"bn{i}.out";
            switch (style)
            {
                case "bn15":
                    b.Node("BatchNormalization", ins, new[] { y, $"bn{i}.rm", $"bn{i}.rv" }, $"bn{i}", ("training_mode", 1), ("epsilon", 1e-3f));
                    break;
                case "bn9":
                    b.Node("BatchNormalization", ins, new[] { y, $"bn{i}.rm", $"bn{i}.rv", $"bn{i}.sm", $"bn{i}.sv" }, $"bn{i}", ("epsilon", 1e-3f));
                    break;
                case "bn6":
                    b.Node("BatchNormalization", ins, new[] { y }, $"bn{i}", ("is_test", 0), ("epsilon", 1e-3f));
                    break;
                default:
                    b.Node("BatchNormalization", ins, new[] { y }, $"bn{i}", ("epsilon", 1e-3f));
                    break;
            }
            h = i == 1 ? b.Op("Relu", "relu1.out", y) : y;
        }
        b.Node("Identity", new[] { h }, new[] { "y" }, "out");
        b.Output("y", ElementType.Float, 2, 8, 8, 8);
        if (style == "bn15")
        {
            // A running statistic read by a graph output and by a node: both must survive freezing.
            b.Output("bn1.rm", ElementType.Float, 8);
            b.Node("Neg", new[] { "bn2.rv" }, new[] { "neg_rv" }, "neg");
            b.Output("neg_rv", ElementType.Float, 8);
        }
        return b;
    }

    private static string Save(ModelBuilder b, string name)
    {
        string path = Path.Combine(TestData.NewTempDir(), name);
        b.Save(path);
        return path;
    }

    [Theory]
    [InlineData("bn15")]
    [InlineData("bn9")]
    [InlineData("bn6")]
    public void Freezing_leaves_single_output_inference_bn(string style)
    {
        using var m = ModelLoader.Load(Save(ConvBnModel(style), "m.onnx"));
        var result = new FreezeBatchNormPass().Run(m);
        Assert.True(result.Modified);
        Assert.Equal(2, result.Diagnostics.Count(d => d.Code == FreezeCodes.Frozen));
        foreach (var bn in m.Graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            Assert.Single(bn.Outputs);
            Assert.False(BatchNormMode.Of(bn).IsTraining);
            Assert.Equal(0, bn.GetInt("training_mode", 0));
        }
        Assert.Null(GraphInvariants.FindProblem(m));
        // Freezing twice changes nothing.
        Assert.False(new FreezeBatchNormPass().Run(m).Modified);
    }

    [Fact]
    public void Consumers_of_running_statistics_read_the_constants_and_graph_outputs_keep_their_names()
    {
        using var m = ModelLoader.Load(Save(ConvBnModel("bn15"), "m.onnx"));
        var result = new FreezeBatchNormPass().Run(m);
        Assert.Equal(2, result.Diagnostics.Count(d => d.Code == FreezeCodes.OutputRewired));
        var names = m.Graph.Outputs.Select(o => o.Name).ToList();
        Assert.Equal(new[] { "y", "bn1.rm", "neg_rv" }, names);
        var rm = m.Graph.Outputs[1];
        Assert.Equal("Identity", rm.Producer!.OpType);
        Assert.Equal("bn1.mean", rm.Producer.Input(0)!.Name);
        Assert.Equal("bn2.var", m.Graph.Nodes.Single(n => n.Name == "neg").Input(0)!.Name);
        Assert.Null(GraphInvariants.FindProblem(m));
    }

    [Fact]
    public void Only_freezes_matching_nodes_and_lists_frozen_parameters()
    {
        string dir = TestData.NewTempDir();
        string model = Save(ConvBnModel("bn9"), "m.onnx");
        string outPath = Path.Combine(dir, "frozen.onnx"), list = Path.Combine(dir, "params.txt");
        var r = CliHarness.Run("freeze-bn", model, "-o", outPath, "--only", "^bn2$", "--frozen-params", list);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(new[] { "bn2.scale", "bn2.bias", "bn2.mean", "bn2.var" }, File.ReadAllLines(list));
        using var m = ModelLoader.Load(outPath);
        Assert.Equal(5, m.Graph.Nodes.Single(n => n.Name == "bn1").Outputs.Count);
        Assert.Single(m.Graph.Nodes.Single(n => n.Name == "bn2").Outputs);
        Assert.Equal(2, CliHarness.Run("freeze-bn", model, "-o", outPath, "--only", "(", "--force").ExitCode);
    }

    [Fact]
    public void Default_statistics_are_warned_about()
    {
        using var m = ModelLoader.Load(Save(ConvBnModel("bn15", defaultStats: true), "m.onnx"));
        var result = new FreezeBatchNormPass().Run(m);
        var warn = Assert.Single(result.Diagnostics, d => d.Code == FreezeCodes.DefaultStatistics);
        Assert.Equal("bn2", warn.NodeName);
        Assert.Equal(DiagnosticSeverity.Warning, warn.Severity);
    }

    [Fact]
    public void Frozen_model_can_be_folded_afterwards()
    {
        using var m = ModelLoader.Load(Save(ConvBnModel("bn15"), "m.onnx"));
        new FreezeBatchNormPass().Run(m);
        var fold = new FoldBatchNormPass().Run(m);
        Assert.Equal(2, fold.Diagnostics.Count(d => d.Code == "folded-into-conv"));
        Assert.DoesNotContain(m.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }

    // BN-6 is not in this list: ONNX Runtime 1.30 has no kernel for BatchNormalization(6); its freezing is
    // checked structurally above.
    [Theory]
    [InlineData("bn15")]
    [InlineData("bn9")]
    public void Frozen_model_computes_exactly_what_inference_mode_bn_computes_in_ort(string style)
    {
        string dir = TestData.NewTempDir();
        string model = Save(ConvBnModel(style), "train.onnx");
        string frozen = Path.Combine(dir, "frozen.onnx");
        var r = CliHarness.Run("freeze-bn", model, "-o", frozen);
        Assert.True(r.ExitCode == 0, r.Stderr);
        // The reference: the same layers written in inference mode by the builder, not by the pass.
        var reference = ConvBnModel("inference");
        if (style != "bn15") { reference.Model.OpsetImport[0].Version = style == "bn9" ? 9 : 6; reference.Model.IrVersion = style == "bn9" ? 7 : 3; }
        if (style == "bn6") foreach (var n in reference.Graph.Node.Where(n => n.OpType == "BatchNormalization")) n.Attribute.Add(ModelBuilder.Attribute("is_test", 1));
        var rng = new DeterministicRandom(9);
        var x = TensorValue.FromFloats(new long[] { 2, 3, 8, 8 }, rng.Normals(2 * 3 * 64).Select(v => (float)v).ToArray());
        var feeds = new Dictionary<string, TensorValue> { ["x"] = x };
        using var frozenSession = OrtSession.FromFile(frozen);
        using var referenceSession = OrtSession.FromBytes(reference.ToBytes());
        var got = frozenSession.Run(feeds)["y"].AsSpan<float>().ToArray();
        var want = referenceSession.Run(feeds)["y"].AsSpan<float>().ToArray();
        Assert.Equal(want, got);
        if (style == "bn15")
        {
            var outputs = frozenSession.Run(feeds);
            Assert.Equal(ModelBuilderValues("bn1.mean", ConvBnModel(style)), outputs["bn1.rm"].AsSpan<float>().ToArray());
        }
    }

    private static float[] ModelBuilderValues(string name, ModelBuilder b)
    {
        var t = b.Graph.Initializer.Single(i => i.Name == name);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
    }

    // The native executor runs every BN opset, BN-6 included (which ORT 1.30 cannot load).
    [Theory]
    [InlineData("bn15")]
    [InlineData("bn9")]
    [InlineData("bn6")]
    public void Frozen_model_computes_exactly_what_inference_mode_bn_computes_on_the_native_executor(string style)
    {
        using var frozen = ModelLoader.Load(Save(ConvBnModel(style), "train.onnx"));
        new FreezeBatchNormPass().Run(frozen);
        var reference = ConvBnModel("inference");
        if (style != "bn15") { reference.Model.OpsetImport[0].Version = style == "bn9" ? 9 : 6; reference.Model.IrVersion = style == "bn9" ? 7 : 3; }
        if (style == "bn6") foreach (var n in reference.Graph.Node.Where(n => n.OpType == "BatchNormalization")) n.Attribute.Add(ModelBuilder.Attribute("is_test", 1));
        using var referenceModel = ModelLoader.Load(reference.ToBytes());
        var rng = new DeterministicRandom(10);
        var x = TensorValue.FromFloats(new long[] { 2, 3, 8, 8 }, rng.Normals(2 * 3 * 64).Select(v => (float)v).ToArray());
        var feeds = new Dictionary<string, TensorValue> { ["x"] = x };
        var got = OnnxNorm.Runtime.Execution.NativeSession.Create(frozen).Run(feeds)["y"].AsSpan<float>().ToArray();
        var want = OnnxNorm.Runtime.Execution.NativeSession.Create(referenceModel).Run(feeds)["y"].AsSpan<float>().ToArray();
        Assert.Equal(want, got);
    }
}
