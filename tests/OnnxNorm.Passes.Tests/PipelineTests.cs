using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class PipelineTests
{
    /// <summary>A pass that runs an arbitrary action, to break invariants on purpose.</summary>
    private sealed class ActionPass(string name, Func<Model, bool> action, bool analysis = false) : IPass
    {
        public string Name => name;
        public string Description => "test";
        public bool IsAnalysis => analysis;
        public PassResult Run(Model model) => new(action(model), Array.Empty<Diagnostic>());
    }

    private static InvariantViolationException Breaks(Func<Model, bool> action, bool analysis = false)
    {
        using var m = Load(CnnModels.ConvBnSmall());
        var pipeline = new PassPipeline(new IPass[] { new FoldBatchNormPass(), new ActionPass("breaker", action, analysis) }, new PipelineOptions { Verify = true });
        var e = Assert.Throws<InvariantViolationException>(() => pipeline.Run(m));
        Assert.Equal("breaker", e.Pass);
        Assert.Contains("'breaker'", e.Message);
        return e;
    }

    [Fact]
    public void RegistryCreatesEveryPassByItsName()
    {
        foreach (var name in PassRegistry.Default.Names)
            Assert.Equal(name, PassRegistry.Default.Create(name).Name);
        Assert.Equal(new[] { "canonicalize", "fold-affine", "clean-up" }, PassRegistry.DefaultPipeline);
    }

    [Fact]
    public void UnknownPassNameIsBadInput()
    {
        var e = Assert.Throws<BadInputException>(() => PassPipeline.FromNames(new[] { "fold-bn", "fold-everything" }));
        Assert.Contains("fold-everything", e.Message);
        Assert.Contains("fold-bn-forward", e.Message);
    }

    [Fact]
    public void InvariantsHoldForLoadedAndOptimizedModels()
    {
        using var m = Load(CnnModels.ConvBnSmall());
        Assert.Null(GraphInvariants.FindProblem(m));
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Null(GraphInvariants.FindProblem(m));
    }

    [Fact]
    public void BrokenUseListIsCaughtAndNamesThePass() =>
        // A node of another model reading this model's input leaves a use that points outside the model.
        Assert.Contains("not in the model", Breaks(m =>
        {
            using var other = Load(CnnModels.ConvBnSmall());
            other.Graph.Nodes.First(n => n.OpType == "Relu").SetInput(0, m.Graph.Inputs[0]);
            return true;
        }).Message);

    [Fact]
    public void BrokenTopologicalOrderIsCaught() =>
        Assert.Contains("topological", Breaks(m => { m.Graph.ReorderNodes(m.Graph.Nodes.Reverse().ToList()); return true; }).Message);

    [Fact]
    public void UndefinedGraphOutputIsCaught() =>
        Assert.Contains("ghost", Breaks(m => { m.Graph.AddOutput(m.Graph.CreateValue("ghost")); return true; }).Message);

    [Fact]
    public void ValueDefinedTwiceIsCaught() =>
        Assert.Contains("more than once", Breaks(m => { m.Graph.LoadInput(m.Graph.Nodes[0].Output(0)!); return true; }).Message);

    [Fact]
    public void AnalysisPassThatModifiesTheModelIsCaught() =>
        Assert.Contains("analysis pass modified", Breaks(m => { m.Graph.Nodes[0].SetInt("marker", 7); return false; }, analysis: true).Message);

    [Fact]
    public void AnalysisPassLeavesTheModelUnchanged()
    {
        var bytes = CnnModels.ConvBnSmall().ToBytes();
        using var m = ModelLoader.Load(bytes);
        var r = Run(m, "analyze-bn");
        Assert.False(r.Modified);
        Assert.Equal(4, r.Diagnostics.Count(d => d.Code == "foldable")); // stem, down, dw, pw
        Assert.Equal(bytes, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void FixedPointRepeatsUntilNothingChanges()
    {
        int calls = 0;
        var pass = new ActionPass("countdown", _ => ++calls < 3);
        using var m = Load(CnnModels.ConvBnSmall());
        var r = new PassPipeline(new[] { pass }, new PipelineOptions { Verify = true, FixedPoint = true }).Run(m);
        Assert.Equal(3, r.Iterations);
        Assert.True(r.ReachedFixedPoint);
    }

    [Fact]
    public void WithoutFixedPointEachPassRunsOnce()
    {
        int calls = 0;
        var pass = new ActionPass("countdown", _ => ++calls < 3);
        using var m = Load(CnnModels.ConvBnSmall());
        var r = new PassPipeline(new[] { pass }, new PipelineOptions { Verify = true }).Run(m);
        Assert.Equal(1, r.Iterations);
        Assert.False(r.ReachedFixedPoint);
    }

    [Fact]
    public void DiagnosticsCarryThePassName()
    {
        using var m = Load(FoldCases.ConvWithSecondConsumer());
        var d = Single(Run(m, "fold-bn"), "bn");
        Assert.Equal("fold-bn", d.Pass);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
    }
}
