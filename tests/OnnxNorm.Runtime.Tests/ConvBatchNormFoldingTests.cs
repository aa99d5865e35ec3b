using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>The native session folds Conv → BN(inference) into the Conv's weights at build time, unless watched.</summary>
public class ConvBatchNormFoldingTests
{
    private static Model ConvBnSmall() => ModelLoader.Load(TestData.TestModel("convbn_small.onnx"));

    private static Dictionary<string, TensorValue> Feed()
    {
        var rng = new DeterministicRandom(5);
        var x = new float[2 * 3 * 32 * 32];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal();
        return new Dictionary<string, TensorValue> { ["input"] = TensorValue.FromFloats(new long[] { 2, 3, 32, 32 }, x) };
    }

    private static (float[] Logits, IReadOnlyList<string> Ops) Run(SessionOptions options)
    {
        var profile = new OperatorProfile();
        var s = NativeSession.Create(ConvBnSmall(), options with { Profile = profile });
        var y = s.Run(Feed())["logits"].AsSpan<float>().ToArray();
        return (y, profile.Entries.Select(e => e.Op).ToList());
    }

    [Fact]
    public void FoldedAndUnfoldedSessionsAgreeAndTheFoldedOneRunsNoBatchNorm()
    {
        var (folded, foldedOps) = Run(SessionOptions.Default);
        var (unfolded, unfoldedOps) = Run(SessionOptions.Default with { FoldBatchNorm = false });
        Assert.DoesNotContain("BatchNormalization", foldedOps);
        Assert.Contains("BatchNormalization", unfoldedOps);
        double scale = unfolded.Max(Math.Abs);
        for (int i = 0; i < folded.Length; i++)
            Assert.True(Math.Abs(folded[i] - unfolded[i]) <= 1e-5 * scale, $"logit {i}: folded {folded[i]}, unfolded {unfolded[i]}");
    }

    [Fact]
    public void AWatchedBatchNormInputIsNotFoldedAway()
    {
        var watcher = new BnInputWatcher();
        var (_, ops) = Run(SessionOptions.Default with { Observer = watcher });
        Assert.Contains("BatchNormalization", ops);
        Assert.Equal(4, watcher.Seen.Count); // the four BN inputs of convbn_small, seen as the model runs
    }

    private sealed class BnInputWatcher : IExecutionObserver
    {
        public List<string> Seen { get; } = new();
        public bool Wants(Node producer, int outputIndex) =>
            producer.Outputs[outputIndex] is { } v && v.Uses.Any(u => u.Node.OpType == "BatchNormalization" && u.Index == 0);
        public void OnValue(Node producer, int outputIndex, TensorValue value) { lock (Seen) Seen.Add(producer.Outputs[outputIndex]!.Name); }
    }
}
