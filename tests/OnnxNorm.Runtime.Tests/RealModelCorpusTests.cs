using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The real-model corpus (PyTorch exports, testmodels/corpus) run by the native executor and by ONNX Runtime
/// on the input saved with each export, both judged against torch's own float64 output for that input. This
/// checks the corpus as much as the engines: an export that does not compute what the module computes would
/// make every test built on the corpus meaningless.
/// </summary>
public class RealModelCorpusTests
{
    /// <summary>
    /// Float32 evaluation of these nets lands within ~1e-5 of the output range of the float64 result (resnet50:
    /// 7e-6, the deepest); 1e-4 leaves room while catching a wrong op, which is off by a good part of the range.
    /// </summary>
    private const double MaxErrorOfRange = 1e-4;

    public static IEnumerable<object[]> InferenceExports =>
        RealModelCorpus.All.Where(m => m.Variant != "training").Select(m => new object[] { m.Id });

    [Theory]
    [MemberData(nameof(InferenceExports))]
    public void Native_executor_matches_torch_float64_on_the_corpus(string id)
    {
        var m = RealModelCorpus.ById(id);
        using var model = ModelLoader.Load(m.Path);
        var session = NativeSession.Create(model, new SessionOptions { Threads = 2 });
        var output = session.Run(Feeds(m))[m.OutputName];
        AssertNearReference(m, output, "native");
    }

    [Theory]
    [MemberData(nameof(InferenceExports))]
    public void Ort_matches_torch_float64_on_the_corpus(string id)
    {
        var m = RealModelCorpus.ById(id);
        using var ort = OrtSession.FromFile(m.Path, new OrtSessionOptions { IntraOpThreads = 2, InterOpThreads = 1 });
        var output = ort.Run(Feeds(m))[m.OutputName];
        AssertNearReference(m, output, "ORT");
    }

    [Fact]
    public void The_corpus_holds_every_model_and_export_mode_the_tests_rely_on()
    {
        string[] expected =
        {
            "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "r3d_18",
            "deeplabv3_mobilenet_v3_large", "convnext_tiny", "linear_bn1d", "convtranspose_bn_grouped", "conv1d_bn",
            "groupnorm_instancenorm", "vgg_bn_small", "preact_bn",
        };
        Assert.Equal(expected.OrderBy(s => s), RealModelCorpus.Variant("eval").Select(m => m.Name).OrderBy(s => s));
        Assert.NotEmpty(RealModelCorpus.Variant("nofold"));
        Assert.NotEmpty(RealModelCorpus.Variant("training"));
        // The eval exports keep BN (TrainingMode.PRESERVE): as many BatchNormalization nodes as torch has BN modules.
        foreach (var m in RealModelCorpus.Variant("eval"))
        {
            using var model = ModelLoader.Load(m.Path);
            int bn = model.Graph.Nodes.Count(n => n.OpType == "BatchNormalization");
            Assert.True(bn == m.BatchNormCount, $"{m.Id}: {bn} BatchNormalization nodes, torch has {m.BatchNormCount} BN modules");
        }
    }

    private static Dictionary<string, TensorValue> Feeds(CorpusModel m) =>
        new() { [m.InputName] = NpyFile.Read(m.InputPath) };

    private static void AssertNearReference(CorpusModel m, TensorValue output, string engine)
    {
        var reference = NpyFile.Read(m.ReferencePath);
        Assert.Equal(reference.Shape, output.Shape);
        var r = reference.ToDoubles();
        var y = output.ToDoubles();
        double range = r.Max() - r.Min();
        Assert.True(range > 1e-6, $"{m.Id}: torch's output is flat ({range:G3}); the export is useless as a test");
        double maxAbs = 0;
        for (int i = 0; i < r.Length; i++) maxAbs = Math.Max(maxAbs, Math.Abs(r[i] - y[i]));
        Assert.True(maxAbs <= MaxErrorOfRange * range,
            $"{m.Id} on {engine}: max |y - torch64| = {maxAbs:G3}, output range {range:G4}");
    }
}
