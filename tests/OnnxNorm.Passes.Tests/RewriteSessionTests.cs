using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>The rewrite mechanism: patches counted over a pipeline run, the stop-after limit, and verify per patch.</summary>
public class RewriteSessionTests
{
    private const int BatchNormsInConvBnSmall = 4;

    private static PipelineResult RunWithLimit(Model m, int? stopAfter, params IPass[] passes) =>
        new PassPipeline(passes, new PipelineOptions { Verify = true, StopAfterPatches = stopAfter }).Run(m);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void StoppingAfterKPatchesFoldsExactlyKBatchNormsAndLeavesAValidEquivalentModel(int k)
    {
        var original = CnnModels.ConvBnSmall().ToBytes();
        using var m = ModelLoader.Load(original, "test.onnx");
        var r = PassPipeline.FromNames(PassRegistry.DefaultPipeline, new PipelineOptions { Verify = true, StopAfterPatches = k }, settings: Settings).Run(m);
        Assert.Equal(k, r.PatchesApplied);
        Assert.True(r.Stopped);
        Assert.Equal(k, r.Diagnostics.Count(d => FoldCodes.IsFold(d.Code)));
        using var saved = Reload(m);
        Assert.Equal(BatchNormsInConvBnSmall - k, Count(saved, "BatchNormalization"));
        Assert.True(OrtFoldEquivalenceTests.RelativeDifference(original, ModelSaver.ToBytes(saved)) < 1e-5);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(BatchNormsInConvBnSmall)]
    public void WithoutALimitOrWithOneTheRunDoesNotReachTheDefaultPipelineAppliesOnePatchPerFoldAndDoesNotStop(int? limit)
    {
        using var m = Load(CnnModels.ConvBnSmall());
        var r = PassPipeline.FromNames(PassRegistry.DefaultPipeline, new PipelineOptions { Verify = true, StopAfterPatches = limit }, settings: Settings).Run(m);
        Assert.False(r.Stopped);
        Assert.Equal(BatchNormsInConvBnSmall, r.PatchesApplied);
        Assert.Equal(0, Count(m, "BatchNormalization"));
        Assert.Contains(r.Runs, run => run.Pass == CleanUpPass.PassName);
    }

    [Fact]
    public void StoppingAfterZeroPatchesLeavesTheModelAsLoaded()
    {
        using var m = Load(CnnModels.ConvBnSmall());
        using var untouched = Load(CnnModels.ConvBnSmall());
        var r = RunWithLimit(m, 0, new FoldAffinePass(), new CleanUpPass());
        Assert.True(r.Stopped);
        Assert.Null(r.LastPatch);
        Assert.Equal(ModelSaver.ToBytes(untouched), ModelSaver.ToBytes(m));
    }

    [Fact]
    public void AStoppedRunNamesTheLastPatchAndRunsNoLaterPass()
    {
        using var m = Load(CnnModels.ConvBnSmall());
        var r = RunWithLimit(m, 2, new FoldAffinePass(), new CleanUpPass());
        Assert.True(r.Stopped);
        // Graph order: stem.bn, then down.bn.
        Assert.StartsWith("fold-affine: BatchNormalization node 'down.bn'", r.LastPatch);
        Assert.Contains("folded-into-conv", r.LastPatch);
        Assert.DoesNotContain(r.Runs, run => run.Pass == CleanUpPass.PassName);
    }

    [Fact]
    public void TheLimitCountsPatchesAcrossPassesAndIterations()
    {
        using var m = Load(CnnModels.ConvBnSmall());
        // The first pass folds 2, then the limit stops bn-to-affine after 1 of the 2 left.
        var r = RunWithLimit(m, 3, new FoldFirstTwoBatchNorms(), new BatchNormToAffinePass());
        Assert.Equal(3, r.PatchesApplied);
        Assert.Equal(1, Count(m, "BatchNormalization"));
        Assert.Equal(1, Count(m, "Mul"));
        Assert.StartsWith("bn-to-affine: ", r.LastPatch);
    }

    [Fact]
    public void ANegativeLimitIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PassPipeline(new IPass[] { new FoldAffinePass() }, new PipelineOptions { StopAfterPatches = -1 }));
    }

    [Fact]
    public void VerifyNamesThePatchThatBrokeAnInvariant()
    {
        using var m = Load(CnnModels.ConvBnSmall());
        // The second Relu's patch (the one writing 'down.relu') puts its node first, before what it reads: out of topological order.
        var breaker = new RulePass("breaker", new RewriteRule(n =>
        {
            if (n.OpType != "Relu") return null;
            if (n.Output(0)!.Name != "down.relu") return new RewritePatch(n, $"leaves {n.Output(0)!.Name} as it is", () => { });
            return new RewritePatch(n, "moves down.relu to the front", () => n.Owner.ReorderNodes(n.Owner.Nodes.Where(x => x != n).Prepend(n).ToList()));
        }));
        var e = Assert.Throws<InvariantViolationException>(() => RunWithLimit(m, null, breaker));
        Assert.Equal("breaker", e.Pass);
        Assert.Equal("patch 2 (moves down.relu to the front)", e.Patch);
        Assert.Contains("not in topological order", e.Message);
    }

    [Fact]
    public void ARuleAskedAboutEveryNodeSeesSubgraphNodesToo()
    {
        using var m = Load(FoldCases.ConvBnInIfBranches());
        var seen = new List<Node>();
        var pass = new RulePass("look", new RewriteRule(n => { seen.Add(n); return null; }));
        Assert.False(RunWithLimit(m, null, pass).Modified);
        Assert.Contains(seen, n => n.Owner.Parent is not null);
        // Every graph in turn, the outer one first, each in node order.
        Assert.Equal(m.Graph.AllGraphs().SelectMany(g => g.Nodes).ToList(), seen);
    }

    /// <summary>fold-bn's rule for the first two BNs of the graph only.</summary>
    private sealed class FoldFirstTwoBatchNorms() : RulePass("fold-first-two", new FirstTwoRule());

    private sealed class FirstTwoRule : IRewriteRule
    {
        private int _asked;
        public RewriteProposal? Propose(Node node) =>
            BatchNormMode.IsBatchNorm(node) && _asked++ < 2 ? BatchNormRule.Propose(node, BatchNormArithmetic.Inference, BatchNormRule.Directions.Backward) : null;
    }
}
