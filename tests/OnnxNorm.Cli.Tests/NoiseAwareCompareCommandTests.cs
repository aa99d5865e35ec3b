using System.Text.Json;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>compare's noise-aware verdict and run's float64 reference mode, as a subprocess.</summary>
public class NoiseAwareCompareCommandTests
{
    private static string ConvBnSmall => TestData.TestModel("convbn_small.onnx");

    [Fact]
    public void Compare_decides_by_the_noise_aware_score_and_writes_it_per_output()
    {
        string dir = TestData.NewTempDir();
        string json = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, "--threads", "1", "--shape", "input=2x3x32x32", "--json", json);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("rule       noise-aware", r.Stdout);
        Assert.Contains("floor set by", r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.StartsWith("noise-aware", doc.RootElement.GetProperty("rule").GetString());
        var s = doc.RootElement.GetProperty("scores").GetProperty("logits");
        Assert.True(s.GetProperty("score").GetDouble() < 10);
        Assert.True(s.GetProperty("floorRms").GetDouble() > 0);
        Assert.Contains("own error on ort", s.GetProperty("floorSetBy").GetString() + string.Join(",", s.GetProperty("noiseSources").EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public void A_tolerance_on_the_command_line_makes_the_elementwise_rule_decide()
    {
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--tolerance", "close", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("rule       elementwise", r.Stdout);
        Assert.DoesNotContain("noise-aware score", r.Stdout);
    }

    [Fact]
    public void Per_node_search_runs_for_native_against_ort_on_one_model()
    {
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, "--per-node", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("per node: no shared intermediate value scores above the threshold", r.Stdout);
    }

    [Fact]
    public void Run_with_precision_f64_writes_double_outputs_close_to_the_float_run()
    {
        string dir = TestData.NewTempDir();
        var a = OnnxnormProcess.Run("run", ConvBnSmall, "--precision", "f64", "-o", Path.Combine(dir, "f64"));
        var b = OnnxnormProcess.Run("run", ConvBnSmall, "--engine", "native", "-o", Path.Combine(dir, "f32"));
        Assert.True(a.ExitCode == 0, a.Stdout + a.Stderr);
        Assert.True(b.ExitCode == 0, b.Stdout + b.Stderr);
        var x = NpyFile.Read(Path.Combine(dir, "f64", "logits.npy"));
        var y = NpyFile.Read(Path.Combine(dir, "f32", "logits.npy")).AsSpan<float>().ToArray();
        Assert.Equal(Ir.ElementType.Double, x.ElementType);
        var xd = x.AsSpan<double>().ToArray();
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(xd[i] - y[i]) <= 1e-4 * (1 + Math.Abs(xd[i])), $"logit {i}: {xd[i]} vs {y[i]}");
        Assert.Contains(xd, v => v != (float)v);
    }

    [Fact]
    public void Precision_with_the_ort_engine_is_refused_in_one_line()
    {
        CliAssert.BadInput(OnnxnormProcess.Run("run", ConvBnSmall, "--engine", "ort", "--precision", "f64"), "native engine");
    }
}
