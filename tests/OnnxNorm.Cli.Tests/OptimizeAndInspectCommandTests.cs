using System.Text.Json;
using OnnxNorm.Cli.Commands;
using OnnxNorm.Graph;
using OnnxNorm.Passes;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>
/// The optimize and inspect verbs end to end, in-process. One class, so its tests run one at a time: they
/// redirect the process-wide console.
/// </summary>
public class OptimizeAndInspectCommandTests
{
    private static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (Verbs.Run(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static string Write(ModelBuilder b, string dir, string name)
    {
        string path = Path.Combine(dir, name);
        b.Save(path);
        return path;
    }

    [Fact]
    public void OptimizeFoldsWritesTheModelAndAJsonReport()
    {
        string dir = TestData.NewTempDir();
        string output = Path.Combine(dir, "out.onnx"), report = Path.Combine(dir, "r.json");
        var (exit, stdout, _) = Cli("optimize", TestData.TestModel("convbn_small.onnx"), "-o", output, "--report", report);
        Assert.Equal(0, exit);
        Assert.Contains("batch norm  4 -> 0", stdout);
        using (var m = ModelLoader.Load(output)) Assert.DoesNotContain(m.Graph.AllNodes(), n => n.OpType == "BatchNormalization");
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("batchNormBefore").GetInt32());
        Assert.Equal(0, root.GetProperty("batchNormLeft").GetInt32());
        Assert.Equal(4, root.GetProperty("folded").GetProperty("folded-into-conv").GetInt32());
        Assert.Equal(16, root.GetProperty("nodes").GetProperty("before").GetInt32());
        Assert.True(root.GetProperty("parameters").GetProperty("after").GetInt64() < root.GetProperty("parameters").GetProperty("before").GetInt64());
    }

    [Fact]
    public void OptimizeListsEachBnLeftWithItsReason()
    {
        string dir = TestData.NewTempDir();
        string input = Write(FoldCases.ConvBnAtOpset(14, bnOutputs: 3, bnAttributes: ("training_mode", 1)), dir, "train.onnx");
        string report = Path.Combine(dir, "r.json");
        var (exit, stdout, _) = Cli("optimize", input, "-o", Path.Combine(dir, "o.onnx"), "--report", report);
        Assert.Equal(0, exit);
        Assert.Contains("training-mode", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var left = Assert.Single(json.RootElement.GetProperty("left").EnumerateArray());
        Assert.Equal("training-mode", left.GetProperty("reasonCode").GetString());
        Assert.Equal("bn", left.GetProperty("node").GetString());
    }

    [Fact]
    public void OptimizeVerifyComparesInOrt()
    {
        string dir = TestData.NewTempDir();
        string report = Path.Combine(dir, "r.json");
        var (exit, stdout, _) = Cli("optimize", TestData.TestModel("convbn_small.onnx"), "-o", Path.Combine(dir, "o.onnx"), "--verify", "--report", report);
        Assert.Equal(0, exit);
        Assert.Contains("equivalent under onnxruntime", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.True(json.RootElement.GetProperty("verify").GetProperty("equivalence").GetProperty("equivalent").GetBoolean());
    }

    private sealed class DisagreeingCheck : IEquivalenceCheck
    {
        public string Name => "always-different";
        public EquivalenceResult Compare(byte[] originalModel, byte[] rewrittenModel) => new(false, 1, 0, "planted difference");
    }

    [Fact]
    public void OptimizeVerifyExitsOneWhenNotEquivalent()
    {
        string dir = TestData.NewTempDir();
        var o = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            int exit = OptimizeCommand.Execute(TestData.TestModel("convbn_small.onnx"), Path.Combine(dir, "o.onnx"), null, true, null, false, false, new DisagreeingCheck());
            Assert.Equal(1, exit);
        }
        finally { Console.SetOut(o); }
    }

    [Fact]
    public void OrtCheckDetectsAChangedModel()
    {
        var original = File.ReadAllBytes(TestData.TestModel("convbn_small.onnx"));
        using var m = ModelLoader.Load(original);
        var fc = m.Graph.Nodes.Single(n => n.OpType == "Gemm");
        var c = fc.Input(2)!.Initializer!;
        fc.SetInput(2, m.Graph.AddInitializer("shifted", Tensor.FromDoubles("", c.ElementType, c.Dims, c.ToDoubles().Select(x => x + 0.5).ToArray())));
        var check = new OrtEquivalenceCheck();
        Assert.True(check.Compare(original, original).Equivalent);
        var r = check.Compare(original, ModelSaver.ToBytes(m));
        Assert.False(r.Equivalent);
        Assert.Contains("logits", r.Summary);
    }

    [Fact]
    public void OptimizeWithAnUnknownPassIsBadInput()
    {
        var (exit, _, stderr) = Cli("optimize", TestData.TestModel("convbn_small.onnx"), "-o", Path.Combine(TestData.NewTempDir(), "o.onnx"), "--passes", "fold-bn,nope");
        Assert.Equal(2, exit);
        Assert.Contains("unknown pass 'nope'", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void OptimizeRefusesToOverwriteItsInput()
    {
        string dir = TestData.NewTempDir();
        string input = Write(CnnModels.ConvBnSmall(), dir, "m.onnx");
        var (exit, _, stderr) = Cli("optimize", input, "-o", input);
        Assert.Equal(2, exit);
        Assert.Contains("--force", stderr);
    }

    [Fact]
    public void OptimizeRunsOnlyTheNamedPasses()
    {
        string dir = TestData.NewTempDir();
        string output = Path.Combine(dir, "o.onnx");
        var (exit, _, _) = Cli("optimize", TestData.TestModel("convbn_small.onnx"), "-o", output, "--passes", "bn-to-affine");
        Assert.Equal(0, exit);
        using var m = ModelLoader.Load(output);
        Assert.Equal(4, m.Graph.Nodes.Count(n => n.OpType == "Mul"));
        Assert.DoesNotContain(m.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }

    [Fact]
    public void InspectJsonHasABatchNormSection()
    {
        var (exit, stdout, _) = Cli("inspect", TestData.TestModel("convbn_small.onnx"), "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var bns = json.RootElement.GetProperty("batchNorm").EnumerateArray().ToList();
        Assert.Equal(4, bns.Count);
        Assert.All(bns, b => Assert.True(b.GetProperty("foldable").GetBoolean()));
        var down = bns.Single(b => b.GetProperty("node").GetString() == "down.bn");
        Assert.Equal("redundant-conv-bias", Assert.Single(down.GetProperty("lints").EnumerateArray()).GetProperty("code").GetString());
        Assert.Equal(16, json.RootElement.GetProperty("nodeCount").GetInt32()); // the existing fields stay
    }

    [Fact]
    public void InspectTextShowsWhyABnCannotFold()
    {
        string dir = TestData.NewTempDir();
        string input = Write(FoldCases.ConvWithSecondConsumer(), dir, "m.onnx");
        var (exit, stdout, _) = Cli("inspect", input);
        Assert.Equal(0, exit);
        Assert.Contains("batch norm  1 (0 foldable by fold-bn, 0 in training mode)", stdout);
        Assert.Contains("producer-has-other-consumers", stdout);
    }
}
