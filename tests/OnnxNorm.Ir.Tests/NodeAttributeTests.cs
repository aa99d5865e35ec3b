using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ir.Tests;

/// <summary>Typed attributes: what a file's attributes read as through <see cref="NodeAttribute"/>.</summary>
public class NodeAttributeTests
{
    private static Model Load(ModelBuilder b) => ModelLoader.Load(b.ToBytes());

    [Fact]
    public void EachAttributeKindReadsAsWritten()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        var node = b.Node("Custom", new[] { "x" }, new[] { "y" }, "n",
            ("i", 7L), ("f", 0.25f), ("s", "same_upper"), ("ints", new long[] { 1, -2, 3 }), ("floats", new[] { 1.5f, -0.5f }),
            ("t", ModelBuilder.MakeInt64Tensor("t", new long[] { 2 }, new long[] { 4, 5 })));
        var strings = new AttributeProto { Name = "strs", Type = AttributeProto.Types.AttributeType.Strings };
        strings.Strings.Add(ByteString.CopyFromUtf8("a"));
        strings.Strings.Add(ByteString.CopyFromUtf8("ü"));
        node.Attribute.Add(strings);
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        var n = m.Graph.Nodes[0];

        Assert.Equal(new[] { "i", "f", "s", "ints", "floats", "t", "strs" }, n.Attributes.Select(a => a.Name));
        Assert.Equal(new[] { AttributeKind.Int, AttributeKind.Float, AttributeKind.String, AttributeKind.Ints, AttributeKind.Floats, AttributeKind.Tensor, AttributeKind.Strings },
            n.Attributes.Select(a => a.Kind));
        Assert.Equal(7L, n.Attribute("i")!.Int);
        Assert.Equal(0.25f, n.Attribute("f")!.Float);
        Assert.Equal("same_upper", n.Attribute("s")!.String);
        Assert.Equal("same_upper"u8.ToArray(), n.Attribute("s")!.StringBytes.ToArray());
        Assert.Equal(new long[] { 1, -2, 3 }, n.Attribute("ints")!.Ints);
        Assert.Equal(new[] { 1.5f, -0.5f }, n.Attribute("floats")!.Floats);
        Assert.Equal(new[] { "a", "ü" }, n.Attribute("strs")!.Strings);
        var t = n.Attribute("t")!.Tensor!;
        Assert.Equal(ElementType.Int64, t.ElementType);
        Assert.Equal(new long[] { 4, 5 }, t.ToInt64s());
        Assert.Null(n.Attribute("missing"));
        Assert.Null(n.Attribute("i")!.Tensor);
    }

    [Fact]
    public void GraphAttributesAreTheNodesSubgraphs()
    {
        using var m = Load(FoldCases.ConvBnInIfBranches());
        var iff = m.Graph.Nodes.Single(n => n.OpType == "If");
        var then = iff.Attribute("then_branch")!;
        Assert.Equal(AttributeKind.Graph, then.Kind);
        Assert.Same(iff.Subgraphs["then_branch"], then.Graph);
        Assert.Same(iff.Subgraphs["else_branch"], iff.Attribute("else_branch")!.Graph);
        Assert.Empty(then.Graphs);
    }

    [Fact]
    public void SettersChangeWhatTheTypedViewReadsAndSurviveASave()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        b.Node("Custom", new[] { "x" }, new[] { "y" }, "n", ("k", 1.5f));
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        var n = m.Graph.Nodes[0];
        n.SetInt("k", 9);             // a FLOAT becomes an INT
        n.SetInts("pads", new long[] { 0, 1 });
        using var back = ModelLoader.Load(ModelSaver.ToBytes(m));
        var k = back.Graph.Nodes[0].Attribute("k")!;
        Assert.Equal((AttributeKind.Int, 9L), (k.Kind, k.Int));
        Assert.Equal(new long[] { 0, 1 }, back.Graph.Nodes[0].Attribute("pads")!.Ints);
        Assert.True(back.Graph.Nodes[0].RemoveAttribute("k"));
        Assert.False(back.Graph.Nodes[0].HasAttribute("k"));
    }

    [Fact]
    public void ADeclaredTensorTypeIsSavedAsTheValuesType()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 2);
        b.Node("Relu", new[] { "x" }, new[] { "r" }, "relu");
        b.Node("Neg", new[] { "r" }, new[] { "y" }, "neg");
        b.Output("y", ElementType.Float, 2);
        using var m = Load(b);
        var r = m.Graph.Find("r")!;
        Assert.False(r.HasDeclaredType);
        Assert.Null(r.Shape);
        r.DeclareTensorType(ElementType.Double, new[] { new Dim(3, null), new Dim(null, "batch"), new Dim(null, null) });
        m.Graph.AddOutput(r);
        using var back = ModelLoader.Load(ModelSaver.ToBytes(m));
        var r2 = back.Graph.Find("r")!;
        Assert.True(r2.HasDeclaredType);
        Assert.Equal(ElementType.Double, r2.ElementType);
        Assert.Equal(new[] { new Dim(3, null), new Dim(null, "batch"), new Dim(null, null) }, r2.Shape);
        r2.DeclareTensorType(ElementType.Float, null);
        Assert.Null(r2.Shape);
        Assert.Equal(ElementType.Float, r2.ElementType);
    }
}
