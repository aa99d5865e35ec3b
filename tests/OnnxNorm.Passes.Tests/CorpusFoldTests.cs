using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Ort;
using OnnxNorm.TestSupport;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>
/// The default pipeline on the real-model corpus (PyTorch exports, testmodels/corpus): what is left and why,
/// and that folding costs no accuracy: against torch's float64 output, the folded model's error stays within
/// 1.5× the unfolded model's own float32 error (both run by ONNX Runtime with its optimisations off).
/// </summary>
public class CorpusFoldTests
{
    private static readonly OrtSessionOptions Plain = new() { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = 2, InterOpThreads = 1 };

    public static IEnumerable<object[]> InferenceExports =>
        RealModelCorpus.All.Where(m => m.Variant != "training").Select(m => new object[] { m.Id });

    public static IEnumerable<object[]> TrainingExports => RealModelCorpus.Ids("training");

    /// <summary>
    /// What cannot fold exactly, by construction of each net:
    /// densenet121's 58 dense layers, 3 transitions and final norm put BN after a Concat and before ReLU → Conv
    /// (pre-activation: 58 + 3 + 1 = 62); preact_bn's two BNs read a residual Add and a Conv output the shortcut
    /// also reads; in convnext_tiny, each of the 18 GELUs keeps x/√2 (x is also read by the final product) and
    /// erf(·)+1, between non-linear ops (its ·0.5 moves into the next MatMul), and the stem's channels-first
    /// LayerNorm feeds a residual Add and a padded 7×7 depthwise Conv: 18 × 2 + 1 = 37. Everything else folds:
    /// the 18 blocks' LayerNorm γ/β into their first MatMul, their layer scales into their second, the 3
    /// downsampling LayerNorms through their Transpose into the unpadded 2×2 stride-2 Conv, and the head's
    /// through Transpose → Flatten into the classifier Gemm.
    /// </summary>
    private static readonly Dictionary<string, (int BatchNorms, string[] BnCodes, int Affines, string[] AffineCodes)> Left = new()
    {
        ["densenet121"] = (62, new[] { FoldRefusalCodes.UnsupportedProducer }, 0, Array.Empty<string>()),
        ["preact_bn"] = (2, new[] { FoldRefusalCodes.ProducerHasOtherConsumers, FoldRefusalCodes.UnsupportedProducer }, 0, Array.Empty<string>()),
        ["convnext_tiny"] = (0, Array.Empty<string>(), 37, new[] { FoldRefusalCodes.ProducerHasOtherConsumers, FoldRefusalCodes.UnsupportedProducer, FoldRefusalCodes.ConsumerNotConv }),
    };

    [Theory]
    [MemberData(nameof(InferenceExports))]
    public void EveryBnAndAffineThatCanFoldExactlyIsFoldedAndEachLeftHasAReason(string id)
    {
        var c = RealModelCorpus.ById(id);
        using var m = ModelLoader.Load(c.Path);
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        var (bns, bnCodes, affines, affineCodes) = Left.GetValueOrDefault(c.Name, (0, Array.Empty<string>(), 0, Array.Empty<string>()));
        var leftBn = BatchNormAnalysis.Of(m);
        Assert.True(leftBn.Count == bns, $"{id}: {leftBn.Count} BN left: {string.Join("; ", leftBn.Take(5).Select(b => $"{b.Node}: {b.RefusalCode} {b.RefusalReason}"))}");
        Assert.Equal(bnCodes.Order(), leftBn.Select(b => b.RefusalCode!).Distinct().Order());
        // fold-affine reports the BNs it leaves too; they are counted above.
        var present = m.Graph.AllNodes().Where(n => n.OpType != "BatchNormalization").Select(n => n.Name).ToHashSet();
        var leftAffine = r.Diagnostics.Where(d => d.Pass == FoldAffinePass.PassName && d.NodeName is not null && present.Contains(d.NodeName) && !FoldCodes.IsAffineFold(d.Code)).ToList();
        Assert.True(leftAffine.Count == affines, $"{id}: {leftAffine.Count} affine(s) left: {string.Join("; ", leftAffine.Take(5))}");
        Assert.Equal(affineCodes.Order(), leftAffine.Select(d => d.Code).Distinct().Order());
        Assert.All(leftAffine, d => Assert.Contains(" node '", d.Message));
        using var reloaded = Reload(m);
        Assert.Null(GraphInvariants.FindProblem(reloaded));
    }

    [Theory]
    [MemberData(nameof(InferenceExports))]
    public void FoldingCostsNoAccuracyAgainstTorchFloat64(string id)
    {
        var c = RealModelCorpus.ById(id);
        var original = File.ReadAllBytes(c.Path);
        using var m = ModelLoader.Load(original);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        double before = ErrorAgainstTorch(c, original), after = ErrorAgainstTorch(c, ModelSaver.ToBytes(m));
        Assert.True(after <= 1.5 * before, $"{id}: folded error {after:G3} vs the unfolded model's own float32 error {before:G3}");
    }

    [Theory]
    [MemberData(nameof(TrainingExports))]
    public void FreezeBnOfATrainingExportComputesWhatTorchComputesInEvalMode(string id)
    {
        var c = RealModelCorpus.ById(id);
        using var m = ModelLoader.Load(c.Path);
        Assert.Contains(m.Graph.AllNodes(), n => n.OpType == "BatchNormalization" && BatchNormMode.Of(n).IsTraining);
        Run(m, FreezeBatchNormPass.PassName);
        Assert.DoesNotContain(m.Graph.AllNodes(), n => n.OpType == "BatchNormalization" && BatchNormMode.Of(n).IsTraining);
        var frozen = ModelSaver.ToBytes(m);
        double range = Range(c);
        double error = ErrorAgainstTorch(c, frozen);
        Assert.True(error <= 1e-4 * range, $"{id}: frozen model is {error:G3} from torch's eval output (range {range:G3})");
        // And the frozen model then folds completely, at no cost in accuracy.
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.True(ErrorAgainstTorch(c, ModelSaver.ToBytes(m)) <= 1.5 * error);
    }

    [Theory]
    [InlineData(TestData.PaddleCls)]
    [InlineData(TestData.PaddleDet)]
    [InlineData(TestData.PaddleRec)]
    public void PaddleOcrFoldsEveryBnAndBnToAffineKnowsEveryRank(string file)
    {
        using var m = ModelLoader.Load(TestData.Paddle(file));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(0, Count(m, "BatchNormalization"));
        using var again = ModelLoader.Load(TestData.Paddle(file));
        var r = Run(again, CanonicalizePass.PassName, BatchNormToAffinePass.PassName);
        Assert.DoesNotContain(r.Diagnostics, d => d.Code == FoldRefusalCodes.UnknownRank);
        Assert.Equal(0, Count(again, "BatchNormalization"));
    }

    private static double Range(CorpusModel c)
    {
        var r = NpyFile.Read(c.ReferencePath).ToDoubles();
        return r.Max() - r.Min();
    }

    /// <summary>Max |ORT output − torch float64| on the input saved with the export.</summary>
    private static double ErrorAgainstTorch(CorpusModel c, byte[] model)
    {
        using var s = OrtSession.FromBytes(model, Plain, c.Id);
        var y = s.Run(new Dictionary<string, TensorValue> { [c.InputName] = NpyFile.Read(c.InputPath) })[c.OutputName].ToDoubles();
        var r = NpyFile.Read(c.ReferencePath).ToDoubles();
        Assert.Equal(r.Length, y.Length);
        double worst = 0;
        for (int i = 0; i < r.Length; i++) worst = Math.Max(worst, Math.Abs(r[i] - y[i]));
        return worst;
    }
}
