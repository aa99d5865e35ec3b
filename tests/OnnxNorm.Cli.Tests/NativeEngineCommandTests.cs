using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>run --engine native, compare MODEL (native vs ORT) and bench, as a subprocess.</summary>
public class NativeEngineCommandTests
{
    private static string ConvBnSmall => TestData.TestModel("convbn_small.onnx");

    [Fact]
    public void Compare_without_b_checks_native_against_ort()
    {
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, "--threads", "1", "--shape", "input=2x3x32x32");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("(native)", r.Stdout);
        Assert.Contains("EQUIVALENT", r.Stdout);
    }

    [Fact]
    public void Run_native_writes_the_same_outputs_as_ort()
    {
        string dir = TestData.NewTempDir();
        var a = OnnxnormProcess.Run("run", ConvBnSmall, "--engine", "native", "-o", Path.Combine(dir, "native"));
        var b = OnnxnormProcess.Run("run", ConvBnSmall, "--engine", "ort", "-o", Path.Combine(dir, "ort"));
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.True(b.ExitCode == 0, b.Stderr);
        var x = Runtime.Data.NpyFile.Read(Path.Combine(dir, "native", "logits.npy")).AsSpan<float>().ToArray();
        var y = Runtime.Data.NpyFile.Read(Path.Combine(dir, "ort", "logits.npy")).AsSpan<float>().ToArray();
        Assert.Equal(y.Length, x.Length);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5 + 1e-4 * Math.Abs(y[i]), $"logit {i}: {x[i]} vs {y[i]}");
    }

    [Fact]
    public void Run_native_names_an_unsupported_op()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 2);
        b.Node("Det", new[] { "x" }, new[] { "y" }, "my_det");
        b.Output("y", ElementType.Float);
        string path = Path.Combine(dir, "det.onnx");
        b.Save(path);
        CliAssert.BadInput(OnnxnormProcess.Run("run", path, "--engine", "native"), "my_det");
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ort")]
    public void Bench_prints_median_and_min_as_json(string engine)
    {
        var r = OnnxnormProcess.Run("bench", ConvBnSmall, "--engine", engine, "--repeat", "3", "--warmup", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        double median = doc.RootElement.GetProperty("medianMs").GetDouble();
        double min = doc.RootElement.GetProperty("minMs").GetDouble();
        Assert.True(min > 0 && min <= median, r.Stdout);
        Assert.Equal(engine, doc.RootElement.GetProperty("engine").GetString());
    }

    [Fact]
    public void Bench_profile_lists_the_op_types()
    {
        var r = OnnxnormProcess.Run("bench", ConvBnSmall, "--repeat", "2", "--warmup", "0", "--profile");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("Conv", r.Stdout);
        Assert.Contains("GlobalAveragePool", r.Stdout);
        CliAssert.BadInput(OnnxnormProcess.Run("bench", ConvBnSmall, "--engine", "reference", "--profile"), "--profile");
    }

    [Fact]
    public void Bench_profile_on_ort_lists_the_models_ops_from_orts_profiler_and_leaves_no_trace()
    {
        // ORT names its trace file itself: an empty working folder and temp folder show where it could have gone.
        string cwd = TestData.NewTempDir(), tmp = TestData.NewTempDir();
        var p = OnnxnormProcess.RunIn(cwd, new Dictionary<string, string> { ["TMPDIR"] = tmp }, "bench", ConvBnSmall, "--engine", "ort", "--repeat", "2", "--warmup", "3", "--profile", "--json");
        Assert.True(p.ExitCode == 0, p.Stderr);
        using var doc = JsonDocument.Parse(p.Stdout);
        var rows = doc.RootElement.GetProperty("profile").EnumerateArray()
            .Select(e => (Op: e.GetProperty("op").GetString()!, Ms: e.GetProperty("msPerRun").GetDouble(), Calls: e.GetProperty("callsPerRun").GetDouble())).ToList();
        Assert.All(rows, row => Assert.True(row.Ms > 0, $"{row.Op}: {row.Ms} ms"));
        Assert.Contains(rows, row => row.Op.StartsWith("Conv dense 3x3", StringComparison.Ordinal) || row.Op.StartsWith("FusedConv dense 3x3", StringComparison.Ordinal));
        // One GlobalAveragePool per run: the three warm-up runs are not counted.
        Assert.Equal(1, rows.Single(row => row.Op == "GlobalAveragePool").Calls);
        Assert.Contains("GlobalAveragePool", p.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd));
        // The dotnet host may leave its own entries in TMPDIR; no trace (a .json) and no trace folder may stay.
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(tmp, "*", SearchOption.AllDirectories),
            f => f.EndsWith(".json", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("onnxnorm-ortprof", StringComparison.Ordinal));
    }

    [Fact]
    public void Bench_rejects_bad_arguments()
    {
        CliAssert.BadInput(OnnxnormProcess.Run("bench", ConvBnSmall, "--repeat", "0"), "--repeat");
        CliAssert.BadInput(OnnxnormProcess.Run("bench", ConvBnSmall, "--threads", "0"), "--threads");
        CliAssert.BadInput(OnnxnormProcess.Run("bench", ConvBnSmall, "--engine", "gpu"), "unknown engine");
    }
}
