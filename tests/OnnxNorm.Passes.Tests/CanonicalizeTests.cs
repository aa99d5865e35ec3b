using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

/// <summary>The canonicalization stage: sorting, constant folding through the native executor, and what it must never touch.</summary>
public class CanonicalizeTests
{
    [Fact]
    public void AnUnsortedModelIsSortedBeforeTheFirstCheckAndOptimizesUnderVerify()
    {
        using var m = Load(AffineCases.Unsorted());
        Assert.Contains("topological", GraphInvariants.FindProblem(m));
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Null(GraphInvariants.FindProblem(m));
        Assert.Contains(r.Diagnostics, d => d.Code == TopologicalSortPass.SortedCode);
        Assert.Equal(0, Count(m, "BatchNormalization"));
        using var reloaded = Reload(m);
        Assert.Null(GraphInvariants.FindProblem(reloaded));
    }

    [Fact]
    public void SortingASortedGraphChangesNothing()
    {
        using var m = Load(AffineCases.DeduplicatedBiasConvBn());
        var before = m.Graph.Nodes.ToList();
        Assert.False(new TopologicalSortPass().Run(m).Modified);
        Assert.Equal(before, m.Graph.Nodes);
    }

    [Fact]
    public void ABiasReadThroughAnIdentityNoLongerStopsTheBnFold()
    {
        // PyTorch deduplicates the two zero biases; before canonicalization only one of the two BNs folded.
        using var m = Load(AffineCases.DeduplicatedBiasConvBn());
        var r = Run(m, PassRegistry.DefaultPipeline.ToArray());
        Assert.Equal(2, r.Diagnostics.Count(d => d.Code == "folded-into-conv"));
        Assert.Equal(new[] { "Conv", "Conv" }, m.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void AWeightBehindARunTimeTransposeBecomesATransposedInitializer()
    {
        using var m = Load(AffineCases.LayerScaleAfterMatMul());
        var r = Run(m, CanonicalizePass.PassName);
        Assert.Equal(1, Count(m, "Transpose"));
        var w = m.Graph.Find("w")!;
        Assert.True(w.IsInitializer);
        Assert.Equal(new long[] { 2, 2 }, w.Initializer!.Dims);
        Assert.Equal(new[] { 1.0, 2, 3, 4 }, w.Initializer.ToDoubles());   // [[1,3],[2,4]] transposed
        Assert.Contains(r.Diagnostics, d => d.Code == FoldConstantsPass.FoldedCode && d.Message.Contains("Transpose 1"));
    }

    [Fact]
    public void ShapeOfAStaticInputFoldsToItsDims()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        b.Op("Shape", "s", "x");
        b.Op("Reshape", "y", "x", "s");
        b.Output("y", ElementType.Float, 1, 2, 3, 3);
        using var m = Load(b);
        Run(m, CanonicalizePass.PassName);
        Assert.Equal(new[] { "Reshape" }, m.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(new long[] { 1, 2, 3, 3 }, m.Graph.Nodes[0].Input(1)!.Initializer!.ToInt64s());
    }

    [Fact]
    public void ArithmeticOnConstantsIsComputedByTheNativeExecutor()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2);
        b.Initializer("a", new float[] { 1, 2 }, 2);
        b.Initializer("c", new float[] { 3, 5 }, 2);
        b.Op("Mul", "ac", "a", "c");
        b.Op("Sqrt", "unused_root", "ac");
        b.Op("Add", "y", "x", "ac");
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        Run(m, CanonicalizePass.PassName);
        Assert.Equal(new[] { "Add" }, m.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(new[] { 3.0, 10 }, m.Graph.Find("ac")!.Initializer!.ToDoubles());
    }

    [Fact]
    public void AnOverridableInitializerIsNotAConstant()
    {
        var b = AffineCases.LayerScaleAfterMatMul();
        b.Graph.Input.Add(new ValueInfoProto { Name = "wt", Type = ModelBuilder.TensorType(ElementType.Float, 2, 2) });
        using var m = Load(b);
        Run(m, CanonicalizePass.PassName);
        Assert.Equal(2, Count(m, "Transpose"));
    }

    [Fact]
    public void WithoutAnEvaluatorOnlyIdentityAndShapeFoldAndThePassSaysSo()
    {
        using var m = Load(AffineCases.LayerScaleAfterMatMul());
        var r = new FoldConstantsPass(null).Run(m);
        Assert.False(r.Modified);
        Assert.Contains(r.Diagnostics, d => d.Code == FoldConstantsPass.NoEvaluatorCode);
        Assert.Equal(2, Count(m, "Transpose"));
    }

    [Fact]
    public void GraphInputsAndOutputsKeepTheirNamesAndTypes()
    {
        var b = AffineCases.LayerScaleAfterMatMul();
        using var m = Load(b);
        Run(m, PassRegistry.DefaultPipeline.ToArray());
        using var reloaded = Reload(m);
        Assert.Equal(new[] { "x" }, reloaded.Graph.Inputs.Select(v => v.Name));
        Assert.Equal(new[] { "y" }, reloaded.Graph.Outputs.Select(v => v.Name));
        Assert.Equal(b.Graph.Output[0].Type, reloaded.Graph.Outputs[0].Type);
        Assert.Equal(b.Graph.Input[0].Type, reloaded.Graph.Inputs[0].Type);
    }
}
