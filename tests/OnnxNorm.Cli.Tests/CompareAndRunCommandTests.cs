using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

public class CompareAndRunCommandTests
{
    private static string ConvBnSmall => TestData.TestModel("convbn_small.onnx");

    private static string PerturbedCopy(string dir)
    {
        var b = CnnModels.ConvBnSmall();
        var t = b.Graph.Initializer.Single(i => i.Name == "pw.weight");
        var raw = t.RawData.ToByteArray();
        BitConverter.GetBytes(BitConverter.ToSingle(raw, 0) + 0.5f).CopyTo(raw, 0);
        t.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
        string path = Path.Combine(dir, "perturbed.onnx");
        b.Save(path);
        return path;
    }

    [Fact]
    public void Identical_models_exit_0_with_a_json_report()
    {
        string dir = TestData.NewTempDir();
        string json = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--threads", "1", "--json", json);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("EQUIVALENT", r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("equivalent").GetBoolean());
        var logits = doc.RootElement.GetProperty("outputs").GetProperty("logits");
        Assert.Equal(0, logits.GetProperty("maxAbs").GetDouble());
        Assert.Equal(1, logits.GetProperty("cosine").GetDouble());
        Assert.True(logits.TryGetProperty("maxRel", out _));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("firstDivergence").ValueKind);
    }

    [Fact]
    public void A_perturbed_weight_exits_1_and_per_node_names_its_conv()
    {
        string dir = TestData.NewTempDir();
        string json = Path.Combine(dir, "r.json");
        var r = OnnxnormProcess.Run("compare", ConvBnSmall, PerturbedCopy(dir), "--per-node", "--threads", "1", "--json", json);
        Assert.True(r.ExitCode == 1, r.Stdout + r.Stderr);
        Assert.Contains("NOT EQUIVALENT", r.Stdout);
        Assert.Contains("first divergence: node 'pw.conv' (Conv)", r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.False(doc.RootElement.GetProperty("equivalent").GetBoolean());
        var d = doc.RootElement.GetProperty("firstDivergence");
        Assert.Equal("pw.conv", d.GetProperty("node").GetString());
        Assert.Equal("Conv", d.GetProperty("op").GetString());
        Assert.True(d.GetProperty("metrics").GetProperty("maxAbs").GetDouble() > 0);
    }

    [Fact]
    public void Loose_tolerance_accepts_what_strict_rejects()
    {
        // A tiny perturbation (1e-4 on one weight) passes loose and fails strict.
        string dir = TestData.NewTempDir();
        var b = CnnModels.ConvBnSmall();
        var t = b.Graph.Initializer.Single(i => i.Name == "fc.bias");
        var raw = t.RawData.ToByteArray();
        BitConverter.GetBytes(BitConverter.ToSingle(raw, 0) + 1e-4f).CopyTo(raw, 0);
        t.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
        string path = Path.Combine(dir, "tiny.onnx");
        b.Save(path);
        Assert.Equal(0, OnnxnormProcess.Run("compare", ConvBnSmall, path, "--tolerance", "loose", "--threads", "1").ExitCode);
        Assert.Equal(1, OnnxnormProcess.Run("compare", ConvBnSmall, path, "--tolerance", "strict", "--threads", "1").ExitCode);
        Assert.Equal(0, OnnxnormProcess.Run("compare", ConvBnSmall, path, "--atol", "1e-3", "--threads", "1").ExitCode);
    }

    [Fact]
    public void Bad_inputs_exit_2_with_one_line()
    {
        string dir = TestData.NewTempDir();
        string wrongShape = Path.Combine(dir, "wrong_shape.npy");
        NpyFile.Write(wrongShape, TensorValue.FromFloats(new long[] { 1, 3, 8, 8 }, new float[192]));
        string wrongType = Path.Combine(dir, "wrong_type.npy");
        NpyFile.Write(wrongType, TensorValue.Allocate(ElementType.Double, new long[] { 1, 3, 32, 32 }));

        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--input", $"nope={wrongShape}"), "no input 'nope'");
        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--input", $"input={wrongShape}"), "shape");
        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--input", $"input={wrongType}"), "float32");
        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--input", $"input={Path.Combine(dir, "missing.npy")}"), "not found");
        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, Path.Combine(dir, "missing.onnx")), "missing.onnx");
        CliAssert.BadInput(OnnxnormProcess.Run("compare", ConvBnSmall, ConvBnSmall, "--tolerance", "tight"), "tight");
        CliAssert.BadInput(OnnxnormProcess.Run("run", ConvBnSmall, "--shape", "input=1x4x32x32"), "dim 1 must be 3");
        CliAssert.BadInput(OnnxnormProcess.Run("run", ConvBnSmall, "--engine", "gpu"), "unknown engine");
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        var r = OnnxnormProcess.Run("compare", "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Input_dir_in_backend_layout_feeds_the_model()
    {
        string test = Path.Combine(TestData.OnnxBackendData, "node", "test_relu");
        string model = Path.Combine(test, "model.onnx");
        var r = OnnxnormProcess.Run("compare", model, model, "--input-dir", Path.Combine(test, "test_data_set_0"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("given float32[3,4,5]", r.Stdout);
    }

    [Fact]
    public void Run_writes_each_output_as_npy_with_a_safe_name()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 2);
        b.Initializer("w", new[] { 2f, 3f, 4f, 5f }, 2, 2);
        b.Op("Mul", "out/y:0", "x", "w");
        b.Op("Neg", "plain", "x");
        b.Output("out/y:0", ElementType.Float, 2, 2);
        b.Output("plain", ElementType.Float, 2, 2);
        string model = Path.Combine(dir, "m.onnx");
        b.Save(model);
        string input = Path.Combine(dir, "x.npy");
        NpyFile.Write(input, TensorValue.FromFloats(new long[] { 2, 2 }, new[] { 1f, -1f, 0.5f, 2f }));
        string outDir = Path.Combine(dir, "out");
        var r = OnnxnormProcess.Run("run", model, "--input", $"x={input}", "--output-dir", outDir);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var y = NpyFile.Read(Path.Combine(outDir, "out_y_0.npy"));
        Assert.Equal(new[] { 2f, -3f, 2f, 10f }, y.AsSpan<float>().ToArray()); // x * w elementwise
        var neg = NpyFile.Read(Path.Combine(outDir, "plain.npy"));
        Assert.Equal(new[] { -1f, 1f, -0.5f, -2f }, neg.AsSpan<float>().ToArray());
        Assert.Equal(2, Directory.GetFiles(outDir).Length); // no temp files left behind
    }

    [Fact]
    public void A_missing_ort_library_is_a_clear_one_line_error()
    {
        var env = new Dictionary<string, string> { ["ONNXNORM_ORT_LIBRARY"] = "/nonexistent/libonnxruntime.so" };
        CliAssert.BadInput(OnnxnormProcess.RunWithEnvironment(env, "run", ConvBnSmall), "ONNXNORM_ORT_LIBRARY=/nonexistent/libonnxruntime.so: no such file");
        string notALibrary = Path.Combine(TestData.NewTempDir(), "libonnxruntime.so");
        File.WriteAllText(notALibrary, "not a shared library");
        env["ONNXNORM_ORT_LIBRARY"] = notALibrary;
        CliAssert.BadInput(OnnxnormProcess.RunWithEnvironment(env, "run", ConvBnSmall), "cannot be loaded");
    }

    [Fact]
    public void A_cli_installed_without_the_ort_library_fails_in_one_line_on_ort_verbs_only()
    {
        string copy = OnnxnormProcess.CopyWithoutOrtLibrary(TestData.NewTempDir());
        CliAssert.BadInput(OnnxnormProcess.RunCopy(copy, "run", ConvBnSmall), "libonnxruntime.so) could not be loaded: not found beside");
        var inspect = OnnxnormProcess.RunCopy(copy, "inspect", ConvBnSmall);
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
    }

    [Fact]
    public void An_ort_library_named_by_the_environment_variable_is_the_one_loaded()
    {
        // A copy of the package's own library under another name, which no default search would find.
        string package = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so");
        string copy = Path.Combine(TestData.NewTempDir(), "libonnxruntime-copy.so");
        File.Copy(package, copy);
        string outDir = Path.Combine(TestData.NewTempDir(), "out");
        var env = new Dictionary<string, string> { ["ONNXNORM_ORT_LIBRARY"] = copy };
        var r = OnnxnormProcess.RunWithEnvironment(env, "run", ConvBnSmall, "--output-dir", outDir);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "logits.npy")));
        var version = OnnxnormProcess.RunWithEnvironment(env, "--version");
        Assert.True(version.ExitCode == 0, version.Stderr);
        Assert.Contains($"(ONNXNORM_ORT_LIBRARY={copy})", version.Stdout);
    }
}
