using OnnxNorm.Ir;
using OnnxNorm.TestModels;

namespace OnnxNorm.Passes.Tests;

/// <summary>Finding a bad rewrite by bisecting --stop-after with an equivalence check, as the README describes.</summary>
public class PatchBisectionTests
{
    /// <summary>The equivalence check: ONNX Runtime runs both models on the same seeded inputs.</summary>
    private static bool Equivalent(byte[] original, byte[] rewritten) =>
        OrtFoldEquivalenceTests.RelativeDifference(original, rewritten) < 1e-5;

    /// <summary>
    /// A test-only rule that gives every Conv a fresh copy of its weight, and one Conv (named) a doubled one: the
    /// bad rewrite hidden among good ones.
    /// </summary>
    private static IRewriteRule CopyWeights(string corrupted) => new RewriteRule(n =>
    {
        if (n.OpType != "Conv" || Graph.TryGetConstant(n.Input(1)) is not { } w) return null;
        bool bad = n.Name == corrupted;
        var values = w.ToDoubles().Select(x => bad ? 2 * x : x).ToArray();
        var copy = Tensor.FromDoubles("", w.ElementType, (long[])w.Dims.Clone(), values);
        return new RewritePatch(n, $"{n.Describe()}: weight copied{(bad ? " (doubled)" : "")}", () =>
        {
            var old = n.Input(1);
            n.SetInput(1, GraphConstants.Add(n.Owner, "w_copy", copy));
            GraphConstants.ReleaseIfUnused(old);
        });
    });

    private static (bool Good, PipelineResult Result) RunUpTo(byte[] original, int? n, string corrupted)
    {
        using var m = ModelLoader.Load(original, "test.onnx");
        var pipeline = new PassPipeline(new IPass[] { new FoldAffinePass(), new RulePass("copy-weights", CopyWeights(corrupted)), new CleanUpPass() },
            new PipelineOptions { Verify = true, StopAfterPatches = n });
        var result = pipeline.Run(m);
        return (Equivalent(original, ModelSaver.ToBytes(m)), result);
    }

    [Theory]
    [InlineData("dw.conv")]
    [InlineData("stem.conv")]
    public void BisectingTheStopAfterLimitFindsTheOnePatchThatBreaksTheModel(string corrupted)
    {
        var original = CnnModels.ConvBnSmall().ToBytes();
        var (allGood, all) = RunUpTo(original, null, corrupted);
        Assert.False(allGood);
        // 4 BN folds, then 4 weight copies.
        Assert.Equal(8, all.PatchesApplied);
        int good = 0, bad = all.PatchesApplied, runs = 0;
        while (bad - good > 1)
        {
            int mid = (good + bad) / 2;
            runs++;
            if (RunUpTo(original, mid, corrupted).Good) good = mid;
            else bad = mid;
        }
        Assert.Equal(3, runs);
        var (_, culprit) = RunUpTo(original, bad, corrupted);
        Assert.Equal($"copy-weights: Conv node '{corrupted}': weight copied (doubled)", culprit.LastPatch);
    }

    [Fact]
    public void TheEquivalenceCheckTellsTheCorruptedModelFromTheGoodOne()
    {
        var original = CnnModels.ConvBnSmall().ToBytes();
        Assert.True(RunUpTo(original, 4, "dw.conv").Good);
        Assert.False(RunUpTo(original, 8, "dw.conv").Good);
    }
}
