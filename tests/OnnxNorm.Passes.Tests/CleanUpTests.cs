using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using static OnnxNorm.Passes.Tests.PassTestKit;

namespace OnnxNorm.Passes.Tests;

public class CleanUpTests
{
    [Fact]
    public void RemoveIdentityKeepsGraphOutputNames()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 2);
        b.Node("Relu", new[] { "x" }, new[] { "r" }, "relu");
        b.Node("Identity", new[] { "r" }, new[] { "i1" }, "id1");
        b.Node("Identity", new[] { "i1" }, new[] { "y" }, "id2");
        b.Output("y", ElementType.Float, 1, 2);
        using var m = Load(b);
        Assert.True(Run(m, "remove-identity").Modified);
        var relu = Assert.Single(m.Graph.Nodes);
        Assert.Equal("y", relu.Output(0)!.Name);
        Assert.Equal("y", Assert.Single(m.Graph.Outputs).Name);
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void IdentityFromGraphInputToGraphOutputStays()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 2);
        b.Node("Identity", new[] { "x" }, new[] { "y" }, "id");
        b.Output("y", ElementType.Float, 1, 2);
        var before = b.ToBytes();
        using var m = Load(b);
        Assert.False(Run(m, "remove-identity").Modified);
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void LiftConstantsKeepsNamesAndValues()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 2);
        b.ConstantNode("k", ElementType.Float, new long[] { 2 }, new double[] { 3, 4 });
        b.Node("Mul", new[] { "x", "k" }, new[] { "y" }, "mul");
        b.Output("y", ElementType.Float, 1, 2);
        using var m = Load(b);
        Assert.True(Run(m, "lift-constants").Modified);
        Assert.Equal(0, Count(m, "Constant"));
        Assert.Equal(new[] { 3.0, 4.0 }, InitializerValues(m, "k"));
        AssertSameOutputs(b.ToBytes(), Reload(m));
    }

    [Fact]
    public void ConstantThatIsAGraphOutputIsNotLifted()
    {
        var b = new ModelBuilder();
        b.ConstantNode("k", ElementType.Float, new long[] { 2 }, new double[] { 3, 4 });
        b.Output("k", ElementType.Float, 2);
        using var m = Load(b);
        Assert.False(Run(m, "lift-constants").Modified);
        Assert.Equal(1, Count(m, "Constant"));
    }

    [Fact]
    public void RemoveDeadDropsDeadChainsAndUnusedInitializers()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 2);
        b.Initializer("unused", new float[] { 1 }, 1);
        b.Initializer("deadw", new float[] { 1, 2 }, 2);
        b.Node("Mul", new[] { "x", "deadw" }, new[] { "d1" }, "dead1");
        b.Node("Relu", new[] { "d1" }, new[] { "d2" }, "dead2");
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "live");
        b.Output("y", ElementType.Float, 1, 2);
        using var m = Load(b);
        Assert.True(Run(m, "remove-dead").Modified);
        Assert.Equal("live", Assert.Single(m.Graph.Nodes).Name);
        Assert.Empty(m.Graph.Initializers);
        Assert.Single(m.Graph.Inputs);
    }

    [Fact]
    public void RemoveDeadKeepsCustomDomainNodesAndGraphInputs()
    {
        var b = new ModelBuilder();
        b.Model.OpsetImport.Add(new Ir.Proto.OperatorSetIdProto { Domain = "com.example", Version = 1 });
        b.Input("x", ElementType.Float, 1, 2);
        b.Input("unused_input", ElementType.Float, 1);
        b.Graph.Node.Add(new Ir.Proto.NodeProto { OpType = "Log", Domain = "com.example", Name = "side_effect", Input = { "x" }, Output = { "ignored" } });
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "live");
        b.Output("y", ElementType.Float, 1, 2);
        var before = b.ToBytes();
        using var m = Load(b);
        Assert.False(Run(m, "remove-dead").Modified);
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }
}
