using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>`optimize --stop-after N`: apply the first N patches only, to bisect a bad rewrite.</summary>
public class StopAfterCommandTests
{
    private static string ConvBnSmall => TestData.TestModel("convbn_small.onnx");

    [Fact]
    public void StopAfterOneFoldsOneBatchNormSaysWhereItStoppedAndStillVerifiesEquivalent()
    {
        string dir = TestData.NewTempDir();
        string output = Path.Combine(dir, "out.onnx"), report = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", output, "--stop-after", "1", "--verify", "--report", report);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("batch norm  4 -> 3 (1 removed)", r.Stdout);
        Assert.Contains("stopped     after 1 patch(es) (--stop-after); last applied: fold-affine: BatchNormalization node 'stem.bn'", r.Stdout);
        Assert.Contains("equivalent under onnxruntime", r.Stdout);
        // The BNs it did not reach say so, not that a pass was missing.
        Assert.Contains("down.bn (Conv, inference): stopped-before-reached: --stop-after stopped the run after 1 patch(es), before it was reached; fold-bn would fold it into its Conv", r.Stdout);
        using (var m = ModelLoader.Load(output)) Assert.Equal(3, m.Graph.AllNodes().Count(n => n.OpType == "BatchNormalization"));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var patches = json.RootElement.GetProperty("patches");
        Assert.Equal(1, patches.GetProperty("applied").GetInt32());
        Assert.True(patches.GetProperty("stopped").GetBoolean());
        Assert.StartsWith("fold-affine: BatchNormalization node 'stem.bn'", patches.GetProperty("last").GetString());
    }

    [Fact]
    public void ALimitTheRunDoesNotReachIsNotReportedAsAStop()
    {
        string dir = TestData.NewTempDir();
        var r = OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", Path.Combine(dir, "out.onnx"), "--stop-after", "100");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("batch norm  4 -> 0", r.Stdout);
        Assert.DoesNotContain("stopped", r.Stdout);
    }

    [Fact]
    public void ANegativeStopAfterIsBadInputAndWritesNothing()
    {
        string output = Path.Combine(TestData.NewTempDir(), "out.onnx");
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", ConvBnSmall, "-o", output, "--stop-after", "-1"), "--stop-after");
        Assert.False(File.Exists(output));
    }
}
