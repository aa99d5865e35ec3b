using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ir.Tests;

public class GraphIrTests
{
    private static Model Load(ModelBuilder b) => ModelLoader.Load(b.ToBytes());

    [Fact]
    public void UseListsFollowSetInput()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        b.Input("z", ElementType.Float, 2);
        b.Node("Add", new[] { "x", "x" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        var x = m.Graph.Find("x")!;
        var z = m.Graph.Find("z")!;
        var add = m.Graph.Nodes[0];
        Assert.Equal(new[] { new Use(add, 0), new Use(add, 1) }, x.Uses);
        add.SetInput(1, z);
        Assert.Equal(new[] { new Use(add, 0) }, x.Uses);
        Assert.Equal(new[] { new Use(add, 1) }, z.Uses);
        Assert.Same(add, m.Graph.Find("y")!.Producer);
    }

    [Fact]
    public void ReplaceAllUsesKeepsGraphOutputNames()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        b.Node("Relu", new[] { "x" }, new[] { "r" }, "relu");
        b.Node("Identity", new[] { "r" }, new[] { "out" }, "id");
        b.Output("out", ElementType.Float, 2);
        using var m = Load(b);
        var g = m.Graph;
        var id = g.Nodes[1];
        g.ReplaceAllUses(id.Output(0)!, id.Input(0)!);
        g.RemoveNode(id);
        Assert.Equal("out", g.Outputs[0].Name);
        Assert.Same(g.Nodes[0], g.Outputs[0].Producer);
        using var reloaded = ModelLoader.Load(ModelSaver.ToBytes(m));
        Assert.Equal("Relu", reloaded.Graph.Nodes.Single().OpType);
        Assert.Equal("out", reloaded.Graph.Outputs[0].Name);
    }

    [Fact]
    public void ReplacingAnOutputWithAGraphInputRoutesThroughIdentity()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        b.Node("Relu", new[] { "x" }, new[] { "out" }, "relu");
        b.Output("out", ElementType.Float, 2);
        using var m = Load(b);
        var g = m.Graph;
        var relu = g.Nodes[0];
        g.ReplaceAllUses(relu.Output(0)!, g.Find("x")!);
        g.RemoveNode(relu);
        Assert.Equal("out", g.Outputs[0].Name);
        Assert.Equal("Identity", g.Outputs[0].Producer!.OpType);
    }

    [Fact]
    public void ConstantNodesReadLikeInitializers()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 3);
        b.ConstantNode("c", ElementType.Float, new long[] { 3 }, new double[] { 1, 2, 3 });
        b.Node("Add", new[] { "x", "c" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, 3);
        using var m = Load(b);
        var c = Graph.TryGetConstant(m.Graph.Find("c"));
        Assert.NotNull(c);
        Assert.Equal(new double[] { 1, 2, 3 }, c!.ToDoubles());
        Assert.Null(Graph.TryGetConstant(m.Graph.Find("x")));
    }

    [Fact]
    public void OverridableInitializerIsNotConstant()
    {
        var b = new ModelBuilder(irVersion: 8);
        b.Input("x", ElementType.Float, 1);
        b.Input("w", ElementType.Float, 1);
        b.Initializer("w", new float[] { 2 }, 1);
        b.Node("Mul", new[] { "x", "w" }, new[] { "y" }, "mul");
        b.Output("y", ElementType.Float, 1);
        using var m = Load(b);
        Assert.Null(Graph.TryGetConstant(m.Graph.Find("w")));
    }

    [Fact]
    public void Float16InInt32DataDecodes()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float16, 2);
        var t = new TensorProto { Name = "h", DataType = (int)ElementType.Float16, Dims = { 2 } };
        t.Int32Data.Add(BitConverter.HalfToUInt16Bits((Half)1.5));
        t.Int32Data.Add(BitConverter.HalfToUInt16Bits((Half)(-2.25)));
        b.Graph.Initializer.Add(t);
        b.Node("Add", new[] { "x", "h" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float16, 2);
        using var m = Load(b);
        Assert.Equal(new[] { 1.5, -2.25 }, m.Graph.Find("h")!.Initializer!.ToDoubles());
    }

    [Fact]
    public void TypedFieldsDecodeForEveryCommonType()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1);
        b.Graph.Initializer.Add(new TensorProto { Name = "f", DataType = 1, Dims = { 2 }, FloatData = { 0.5f, -1f } });
        b.Graph.Initializer.Add(new TensorProto { Name = "d", DataType = 11, Dims = { 1 }, DoubleData = { 3.25 } });
        b.Graph.Initializer.Add(new TensorProto { Name = "l", DataType = 7, Dims = { 2 }, Int64Data = { -5, 1L << 40 } });
        b.Graph.Initializer.Add(new TensorProto { Name = "i8", DataType = 3, Dims = { 2 }, Int32Data = { -3, 100 } });
        b.Graph.Initializer.Add(new TensorProto { Name = "u32", DataType = 12, Dims = { 1 }, Uint64Data = { 4000000000 } });
        b.Graph.Initializer.Add(new TensorProto { Name = "bf", DataType = 16, Dims = { 1 }, Int32Data = { 0x3FC0 } });
        b.Node("Identity", new[] { "x" }, new[] { "y" }, "id");
        b.Output("y", ElementType.Float, 1);
        using var m = Load(b);
        Assert.Equal(new[] { 0.5, -1 }, m.Graph.Find("f")!.Initializer!.ToDoubles());
        Assert.Equal(new[] { 3.25 }, m.Graph.Find("d")!.Initializer!.ToDoubles());
        Assert.Equal(new[] { -5L, 1L << 40 }, m.Graph.Find("l")!.Initializer!.ToInt64s());
        Assert.Equal(new[] { -3.0, 100 }, m.Graph.Find("i8")!.Initializer!.ToDoubles());
        Assert.Equal(new[] { 4000000000.0 }, m.Graph.Find("u32")!.Initializer!.ToDoubles());
        Assert.Equal(new[] { 1.5 }, m.Graph.Find("bf")!.Initializer!.ToDoubles());
    }

    [Fact]
    public void SubgraphsSeeOuterValuesAndCountAsUses()
    {
        var then = new GraphProto { Name = "then" };
        then.Node.Add(new NodeProto { OpType = "Relu", Name = "inner", Input = { "x" }, Output = { "t" } });
        then.Output.Add(new ValueInfoProto { Name = "t", Type = ModelBuilder.TensorType(ElementType.Float, 2) });
        var els = new GraphProto { Name = "else" };
        els.Node.Add(new NodeProto { OpType = "Neg", Name = "inner2", Input = { "x" }, Output = { "e" } });
        els.Output.Add(new ValueInfoProto { Name = "e", Type = ModelBuilder.TensorType(ElementType.Float, 2) });
        var b = new ModelBuilder();
        b.Input("x0", ElementType.Float, 2);
        b.Input("c", ElementType.Bool);
        b.Node("Relu", new[] { "x0" }, new[] { "x" }, "outer");
        b.Node("If", new[] { "c" }, new[] { "y" }, "if", ("then_branch", then), ("else_branch", els));
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        var x = m.Graph.Find("x")!;
        Assert.Equal(2, x.Uses.Count);
        Assert.All(x.Uses, u => Assert.NotSame(m.Graph, u.Node.Owner));
        Assert.Equal(4, m.Graph.AllNodes().Count());
        Assert.Equal(new[] { "outer", "if" }, m.Graph.TopologicalOrder().Select(n => n.Name));
        Assert.Equal(b.ToBytes(), ModelSaver.ToBytes(m));
    }

    [Fact]
    public void NewNamesAreUniqueAndStable()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1);
        b.Node("Relu", new[] { "x" }, new[] { "w_folded" }, "r");
        b.Output("w_folded", ElementType.Float, 1);
        using var m1 = Load(b);
        using var m2 = Load(b);
        var a1 = m1.Graph.AddInitializer("w_folded", Tensor.FromFloats("", new long[] { 1 }, new[] { 1f }));
        var a2 = m2.Graph.AddInitializer("w_folded", Tensor.FromFloats("", new long[] { 1 }, new[] { 1f }));
        Assert.Equal("w_folded_1", a1.Name);
        Assert.Equal(a1.Name, a2.Name);
    }

    [Fact]
    public void RecursiveFunctionsAreRefused()
    {
        var b = new ModelBuilder();
        b.Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "local", Version = 1 });
        var f = new FunctionProto { Name = "F", Domain = "local", Input = { "a" }, Output = { "b" } };
        f.Node.Add(new NodeProto { OpType = "F", Domain = "local", Input = { "a" }, Output = { "b" } });
        b.Model.Functions.Add(f);
        b.Input("x", ElementType.Float, 1);
        b.Graph.Node.Add(new NodeProto { OpType = "F", Domain = "local", Name = "call", Input = { "x" }, Output = { "y" } });
        b.Output("y", ElementType.Float, 1);
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(b.ToBytes()).Dispose());
        Assert.Contains("recursive", e.Message);
    }
}
