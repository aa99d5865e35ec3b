using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.TestSupport;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Engines;
using OnnxNorm.Workflows.Optimize;

namespace OnnxNorm.Ort.Tests;

/// <summary>compare and optimize's summary called as a library user calls them, without the CLI.</summary>
public class WorkflowTests
{
    private static readonly string ConvBnSmall = TestData.TestModel("convbn_small.onnx");

    [Fact]
    public void Comparing_without_b_runs_the_native_executor_against_onnx_runtime_on_a()
    {
        var report = ModelComparison.Compare(ConvBnSmall, null, EngineFactory.Ort, ComparisonOptions.Default);
        Assert.Equal("native", report.EngineA);
        Assert.Equal("ort", report.EngineB);
        Assert.True(report.Equivalent);
        Assert.Equal(new[] { "logits" }, report.Outputs.Keys);
    }

    [Fact]
    public void Comparing_a_model_with_a_different_one_on_the_native_engine_finds_the_first_diverging_node()
    {
        string dir = TestData.NewTempDir();
        string changed = Path.Combine(dir, "changed.onnx");
        using (var m = ModelLoader.Load(ConvBnSmall))
        {
            // Every running mean of the first BN moves by 1: its output, and all after it, differ.
            var bn = m.Graph.Nodes.First(n => n.OpType == "BatchNormalization");
            var mean = bn.Input(3)!;
            var shifted = mean.ConstantTensor!.ToDoubles().Select(v => (float)(v + 1)).ToArray();
            m.Graph.ReplaceAllUses(mean, m.Graph.AddInitializer("shifted_mean", Tensor.FromFloats("shifted_mean", mean.ConstantTensor!.Dims, shifted)));
            ModelSaver.Save(m, changed);
        }
        var report = ModelComparison.Compare(ConvBnSmall, changed, EngineFactory.Native, ComparisonOptions.Default with { PerNode = true });
        Assert.False(report.Equivalent);
        using var original = ModelLoader.Load(ConvBnSmall);
        Assert.Equal(original.Graph.Nodes.First(n => n.OpType == "BatchNormalization").Name, report.FirstDivergence?.Node);
    }

    [Fact]
    public void The_optimize_summary_counts_every_bn_folded_and_none_left()
    {
        using var model = ModelLoader.Load(ConvBnSmall);
        var before = ModelSummary.Of(model, ConvBnSmall);
        int bnBefore = BatchNormNodes.In(model).Count;
        var result = PassPipeline.FromNames(PassRegistry.DefaultPipeline, new PipelineOptions()).Run(model);
        var summary = OptimizeSummary.Build(model, result, ConvBnSmall, "out.onnx", PassRegistry.DefaultPipeline.ToList(), bnBefore,
            before, ModelSummary.Of(model, "out.onnx"), 0, null);
        Assert.Equal(4, summary.BatchNormBefore);
        Assert.Equal(0, summary.BatchNormLeft);
        Assert.Empty(summary.Left);
        Assert.Equal(4, summary.Folded.Values.Sum());
        Assert.True(summary.Parameters.After < summary.Parameters.Before);
    }

    [Fact]
    public void The_optimizer_stopped_after_two_patches_folds_two_bns_verifies_equivalent_and_says_where_it_stopped()
    {
        using var model = ModelLoader.Load(ConvBnSmall);
        var report = ModelOptimizer.Optimize(model, new OptimizeOptions { StopAfterPatches = 2, Verify = true });
        Assert.Equal(new PatchReport(2, true, report.Patches.Last), report.Patches);
        Assert.StartsWith("fold-affine: BatchNormalization node 'down.bn'", report.Patches.Last);
        Assert.Equal(2, report.BatchNormRemoved);
        Assert.Equal(new[] { OptimizeSummary.StoppedBeforeReached }, report.Left.Select(l => l.ReasonCode).Distinct());
        Assert.True(report.Verify?.Equivalence?.Equivalent);
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
    }
}
