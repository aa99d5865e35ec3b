using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>The optimize verb and the BN section of inspect, run as the built executable.</summary>
public class OptimizeAndInspectCommandTests
{
    private static string ConvBnSmall => TestData.TestModel("convbn_small.onnx");

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
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", output, "--report", report);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("batch norm  4 -> 0", r.Stdout);
        Assert.Contains("folded-into-conv", r.Stdout);
        using (var m = ModelLoader.Load(output)) Assert.DoesNotContain(m.Graph.AllNodes(), n => n.OpType == "BatchNormalization");
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("batchNormBefore").GetInt32());
        Assert.Equal(0, root.GetProperty("batchNormLeft").GetInt32());
        Assert.Equal(4, root.GetProperty("folded").GetProperty("folded-into-conv").GetInt32());
        Assert.Equal(16, root.GetProperty("nodes").GetProperty("before").GetInt32());
        // 4 BNs with 4·C parameters each go; 3 of the 4 Convs (C = 16, 32, 32) gain a bias: 7162 − 4·112 + 80.
        Assert.Equal(7162, root.GetProperty("parameters").GetProperty("before").GetInt64());
        Assert.Equal(7162 - 4 * (16 + 32 + 32 + 32) + (16 + 32 + 32), root.GetProperty("parameters").GetProperty("after").GetInt64());
    }

    [Fact]
    public void OptimizeListsEachBnLeftWithItsReason()
    {
        string dir = TestData.NewTempDir();
        string input = Write(FoldCases.ConvBnAtOpset(14, bnOutputs: 3, bnAttributes: ("training_mode", 1)), dir, "train.onnx");
        string report = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("optimize", input, "-o", Path.Combine(dir, "o.onnx"), "--report", report);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("training-mode", r.Stdout);
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
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", Path.Combine(dir, "o.onnx"), "--verify", "--report", report);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("equivalent under onnxruntime", r.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.True(json.RootElement.GetProperty("verify").GetProperty("equivalence").GetProperty("equivalent").GetBoolean());
    }

    [Fact]
    public void OptimizeVerifyTakesShapesForSymbolicDims()
    {
        var r = OnnxnormProcess.Run("optimize", TestData.Paddle(TestData.PaddleDet), "-o", Path.Combine(TestData.NewTempDir(), "det.onnx"),
            "--verify", "--shape", "x=1x3x64x64");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("equivalent under onnxruntime", r.Stdout);
    }

    [Fact]
    public void OptimizeVerifyWithoutNeededShapesIsBadInputAndWritesNothing()
    {
        string output = Path.Combine(TestData.NewTempDir(), "det.onnx");
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", TestData.Paddle(TestData.PaddleDet), "-o", output, "--verify"), "--shape");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Optimize_verify_gives_compares_noise_aware_verdict_and_accepts_a_fold_more_exact_than_the_original()
    {
        // The Conv adds 1e7 (where the float32 step is 1) and BN subtracts it again and scales by 100: the
        // original rounds x + 1e7 before subtracting, so its output moves in steps of 100, while the fold
        // (computed in double: W' = 100, b' = (1e7 - 1e7)*100 = 0) keeps 100*x, the exact answer. Against the
        // float64 reference the original's own float32 run is the one that is far off, so its error sets the
        // noise floor and the fold scores near 0: equivalent, by the same rule and the same numbers as `compare`.
        // (The fixed elementwise rule called this pair NOT EQUIVALENT.)
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 1, 4, 4);
        b.Initializer("w", new float[] { 1 }, 1, 1, 1, 1);
        b.Initializer("b", new float[] { 1e7f }, 1);
        b.Node("Conv", new[] { "x", "w", "b" }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        FoldCases.BatchNorm(b, "c", "bn", new FoldCases.BnParams(new double[] { 1 }, new double[] { 0 }, new double[] { 1e7 }, new double[] { 1e-4 }, 0f));
        b.Output("bn.out", ElementType.Float, 1, 1, 4, 4);
        string dir = TestData.NewTempDir();
        string original = Write(b, dir, "cancel.onnx"), optimized = Path.Combine(dir, "o.onnx");
        var r = OnnxnormProcess.Run("optimize", original, "-o", optimized, "--verify");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("verify      equivalent", r.Stdout);
        Assert.Contains("set by original's own error on ort", r.Stdout);
        var c = OnnxnormProcess.Run("compare", optimized, original);
        Assert.True(c.ExitCode == 0, c.Stdout + c.Stderr);
        Assert.Contains("cancel.onnx's own error on ort", c.Stdout);
        // The elementwise rule (what --verify used to apply) calls the same pair different.
        var e = OnnxnormProcess.Run("compare", optimized, original, "--tolerance", "close");
        Assert.True(e.ExitCode == 1, e.Stdout + e.Stderr);
    }

    [Fact]
    public void Optimize_verify_scores_the_rewritten_model_against_the_original()
    {
        string dir = TestData.NewTempDir();
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", Path.Combine(dir, "o.onnx"), "--verify");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Matches(@"verify      equivalent under onnxruntime .*: noise-aware: 1 output\(s\) within their noise floor \(score <= 4\), worst output 'logits': score [0-9.]+", r.Stdout);
    }

    [Fact]
    public void OptimizeWithAnUnknownPassIsBadInput() =>
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", Path.Combine(TestData.NewTempDir(), "o.onnx"), "--passes", "fold-bn,nope"),
            "unknown pass 'nope'");

    [Fact]
    public void OptimizeRefusesToOverwriteItsInput()
    {
        string input = Write(CnnModels.ConvBnSmall(), TestData.NewTempDir(), "m.onnx");
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", input, "-o", input), "--force");
    }

    [Fact]
    public void OptimizeRunsOnlyTheNamedPasses()
    {
        string output = Path.Combine(TestData.NewTempDir(), "o.onnx");
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", output, "--passes", "bn-to-affine");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var m = ModelLoader.Load(output);
        Assert.Equal(4, m.Graph.Nodes.Count(n => n.OpType == "Mul"));
        Assert.DoesNotContain(m.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }

    [Fact]
    public void OptimizeBnArithmeticChoosesTheFoldedConstants()
    {
        string dir = TestData.NewTempDir();
        string inference = Path.Combine(dir, "inference.onnx"), exact = Path.Combine(dir, "exact.onnx");
        Assert.Equal(0, OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", inference).ExitCode);
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", exact, "--bn-arithmetic", "exact");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var a = ModelLoader.Load(inference);
        using var b = ModelLoader.Load(exact);
        var wa = a.Graph.Nodes.First(n => n.OpType == "Conv").Input(1)!.Initializer!.AsSpan<float>().ToArray();
        var wb = b.Graph.Nodes.First(n => n.OpType == "Conv").Input(1)!.Initializer!.AsSpan<float>().ToArray();
        Assert.NotEqual(wa, wb);
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", Path.Combine(dir, "x.onnx"), "--bn-arithmetic", "fast"), "--bn-arithmetic");
        Assert.False(File.Exists(Path.Combine(dir, "x.onnx")));
    }

    [Fact]
    public void InspectJsonHasABatchNormSection()
    {
        var r = OnnxnormProcess.Run("inspect", ConvBnSmall, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
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
        string input = Write(FoldCases.ConvWithSecondConsumer(), TestData.NewTempDir(), "m.onnx");
        var r = OnnxnormProcess.Run("inspect", input);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("batch norm  1 (0 foldable by fold-bn, 0 in training mode)", r.Stdout);
        Assert.Contains("producer-has-other-consumers", r.Stdout);
    }

    [Fact]
    public void OptimizeListsABnLeftOnceWithTheBackwardAndForwardReasons()
    {
        // Relu → BN → strided 3×3 ConvTranspose: nothing to fold back into, and uneven taps forward.
        string dir = TestData.NewTempDir();
        string input = Write(ForwardFoldCases.BnThenConvTranspose(kernel: 3, stride: 2, shiftFree: false), dir, "m.onnx");
        var r = OnnxnormProcess.Run("optimize", input, "-o", Path.Combine(dir, "o.onnx"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var line = Assert.Single(r.Stdout.Split('\n'), l => l.Contains("bn (Relu, inference)"));
        Assert.Contains("unsupported-producer", line);
        Assert.Contains("forward: ", line);
        Assert.Contains("different numbers of taps", line);
    }
}
