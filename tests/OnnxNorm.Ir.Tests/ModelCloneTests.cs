using System.Runtime.CompilerServices;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ir.Tests;

public class ModelCloneTests
{
    [Fact]
    public void ACloneSavesToTheSameBytesAsItsSourceIncludingSubgraphs()
    {
        using var m = ModelLoader.Load(FoldCases.ConvBnInIfBranches().ToBytes());
        byte[] original = ModelSaver.ToBytes(m);
        using var copy = m.Clone();
        Assert.Equal(original, ModelSaver.ToBytes(copy));
    }

    [Fact]
    public void EditingACloneLeavesTheSourceUnchanged()
    {
        using var m = ModelLoader.Load(FoldCases.ConvBnInIfBranches().ToBytes());
        byte[] before = ModelSaver.ToBytes(m);
        using (var copy = m.Clone())
        {
            var g = copy.Graph;
            var branchConv = g.AllNodes().First(n => n.OpType == "Conv");
            branchConv.SetInt("group", 1);
            branchConv.Owner.AddOutput(branchConv.Output(0)!);
            var relu = g.AddNode("Relu", new[] { g.Outputs[0] }, 1, "extra");
            g.AddOutput(relu.Output(0)!);
            g.Rename(g.Initializers.Count > 0 ? g.Initializers[0] : g.Inputs[1], "renamed_in_copy");
            Assert.NotEqual(before, ModelSaver.ToBytes(copy));
        }
        Assert.Equal(before, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void ACloneKeepsUseListsAndScopesOfItsOwn()
    {
        using var m = ModelLoader.Load(FoldCases.ConvBnInIfBranches().ToBytes());
        using var copy = m.Clone();
        var x = copy.Graph.Find("x")!;
        // x is read by the Conv of each If branch: the uses are the copy's nodes, in the copy's subgraphs.
        Assert.Equal(2, x.Uses.Count);
        foreach (var use in x.Uses)
        {
            Assert.Same(copy, use.Node.Owner.Model);
            Assert.Same(copy.Graph, use.Node.Owner.Parent);
            Assert.Contains(use.Node, use.Node.Owner.Nodes);
        }
        Assert.DoesNotContain(m.Graph.Find("x")!.Uses, u => u.Node.Owner.Model != m);
    }

    [Fact]
    public void ACloneSharesWeightDataInsteadOfCopyingIt()
    {
        using var m = ModelLoader.Load(CnnModels.ConvBnSmall().ToBytes());
        using var copy = m.Clone();
        foreach (var v in m.Graph.Initializers)
        {
            var a = v.Initializer!.Bytes.Span;
            var b = copy.Graph.Find(v.Name)!.Initializer!.Bytes.Span;
            Assert.True(Unsafe.AreSame(ref Unsafe.AsRef(in a[0]), ref Unsafe.AsRef(in b[0])), $"'{v.Name}' was copied");
        }
    }

    [Fact]
    public void DisposingACloneLeavesTheSourcesExternalDataReadable()
    {
        string dir = TestData.NewTempDir();
        string path = Path.Combine(dir, "m.onnx"), ext = Path.Combine(dir, "ext.onnx");
        CnnModels.ConvBnSmall().Save(path);
        using (var inline = ModelLoader.Load(path))
            ModelSaver.Save(inline, ext, new SaveOptions { ExternalDataFile = "ext.onnx.data" });
        using var m = ModelLoader.Load(ext);
        var external = m.AllInitializers().First(t => t.IsExternal);
        using (var copy = m.Clone())
            Assert.Equal(external.Bytes.ToArray(), copy.AllInitializers().First(t => t.Name == external.Name).Bytes.ToArray());
        Assert.True(external.Bytes.Length > 0);
        _ = external.Bytes.Span[external.Bytes.Length - 1]; // still mapped: reading it must not fault
    }
}
