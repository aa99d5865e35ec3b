using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>The canonicalization stage and the affine engine as users meet them: optimize's summary, --verify, inspect.</summary>
public class AffineCommandTests
{
    private static string Write(ModelBuilder b, string dir, string name)
    {
        string path = Path.Combine(dir, name);
        b.Save(path);
        return path;
    }

    [Fact]
    public void OptimizeVerifySortsAnUnsortedExportAndPasses()
    {
        string dir = TestData.NewTempDir();
        string output = Path.Combine(dir, "o.onnx");
        var r = OnnxnormProcess.Run("optimize", Write(AffineCases.Unsorted(), dir, "unsorted.onnx"), "-o", output, "--verify");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("batch norm  2 -> 0", r.Stdout);
        Assert.Contains("verify      equivalent", r.Stdout);
        using var m = ModelLoader.Load(output);
        Assert.Equal(new[] { "Conv", "Conv" }, m.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void OptimizeCountsTheAffinesItFoldedAndExplainsTheOnesLeft()
    {
        string dir = TestData.NewTempDir();
        string report = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("optimize", Write(AffineCases.ConvMulBy(new long[] { 1, 1, 3, 1 }, new float[] { 1, 2, 3 }), dir, "m.onnx"),
            "-o", Path.Combine(dir, "o.onnx"), "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("per-channel Mul/Add/Sub/Div  0 folded, 1 left", r.Stdout);
        Assert.Contains("left mul: channel-axis-not-output-channels", r.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var left = json.RootElement.GetProperty("affineLeft")[0];
        Assert.Equal("mul", left.GetProperty("node").GetString());
        Assert.Equal("channel-axis-not-output-channels", left.GetProperty("reasonCode").GetString());
    }

    [Fact]
    public void InspectShowsWhatFoldAffineWouldDoWithEachAffine()
    {
        string dir = TestData.NewTempDir();
        var foldable = OnnxnormProcess.Run("inspect", Write(AffineCases.LayerScaleAfterMatMul(), dir, "a.onnx"));
        Assert.True(foldable.ExitCode == 0, foldable.Stderr);
        // Before canonicalization the weight still sits behind its Transpose: inspect reports the model as it is.
        Assert.Contains("layer_scale (Mul): fold-affine: no, weight-not-constant", foldable.Stdout);
        var clean = OnnxnormProcess.Run("inspect", Write(AffineCases.ConvThen(null, ("Mul", new float[] { 0.5f, 2 })), dir, "b.onnx"));
        Assert.Contains("mul0 (Mul): fold-affine: into Conv node 'conv'", clean.Stdout);
        var json = OnnxnormProcess.Run("inspect", Path.Combine(dir, "b.onnx"), "--json");
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.True(doc.RootElement.GetProperty("affine")[0].GetProperty("foldable").GetBoolean());
    }
}
