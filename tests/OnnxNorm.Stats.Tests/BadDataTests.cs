using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

/// <summary>Bad calibration data is bad input: exit 2, one line naming the file (and the sample), nothing written.</summary>
public class BadDataTests
{
    private static string PlantedModel(string dir)
    {
        string model = Path.Combine(dir, "model.onnx");
        PlantedModels.Build(planted: true).Save(model);
        return model;
    }

    private static string NoBnModel(string dir)
    {
        var b = new TestModels.ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, "N", 4, 6, 6);
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "relu");
        b.Output("y", ElementType.Float, "N", 4, 6, 6);
        string model = Path.Combine(dir, "nobn.onnx");
        b.Save(model);
        return model;
    }

    private static string Npy(string dir, string name, long[] shape, Func<int, float> value)
    {
        int n = (int)shape.Aggregate(1L, (a, d) => a * d);
        string path = Path.Combine(dir, name);
        NpyFile.Write(path, TensorValue.FromFloats(shape, Enumerable.Range(0, n).Select(value).ToArray()));
        return path;
    }

    private static void AssertBadInput(CliHarness.Outcome r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}{r.Stdout}");
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        foreach (var m in mentions) Assert.Contains(m, line);
        Assert.DoesNotContain(" at OnnxNorm.", r.Stderr);
    }

    [Theory]
    [InlineData("planted")]
    [InlineData("no-bn")]
    public void Data_of_the_wrong_shape_exits_2_naming_the_file_on_any_model(string which)
    {
        string dir = TestData.NewTempDir();
        string model = which == "planted" ? PlantedModel(dir) : NoBnModel(dir);
        string bad = Npy(dir, "three_channels.npy", new long[] { 2, 3, 6, 6 }, i => 0.1f * (i % 7));
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", bad), "three_channels.npy", "[2,3,6,6]");
        string rank3 = Npy(dir, "rank3.npy", new long[] { 2, 4, 6 }, i => 1f);
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", rank3, "--engine", "ort"), "rank3.npy", "rank 4");
    }

    [Fact]
    public void A_good_batch_on_a_model_without_bn_is_clean()
    {
        string dir = TestData.NewTempDir();
        string model = NoBnModel(dir);
        string good = Npy(dir, "good.npy", new long[] { 2, 4, 6, 6 }, i => 0.1f * (i % 7));
        var r = CliHarness.Run("check-stats", model, "--data", good);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("no BatchNormalization", r.Stdout);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ort")]
    public void An_empty_batch_exits_2(string engine)
    {
        string dir = TestData.NewTempDir();
        string model = PlantedModel(dir);
        string good = Npy(dir, "a_good.npy", new long[] { 2, 4, 6, 6 }, i => 0.1f * (i % 7));
        string empty = Npy(dir, "b_empty.npy", new long[] { 0, 4, 6, 6 }, i => 0f);
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", good, "--data", empty, "--engine", engine), "b_empty.npy", "no samples");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Inf")]
    [InlineData(float.NegativeInfinity, "-Inf")]
    public void A_non_finite_value_exits_2_naming_file_and_sample(float poison, string said)
    {
        string dir = TestData.NewTempDir();
        string model = PlantedModel(dir);
        // Sample 2 of 3 (0-based), channel 1, position 5.
        int at = 2 * 144 + 1 * 36 + 5;
        string bad = Npy(dir, "poisoned.npy", new long[] { 3, 4, 6, 6 }, i => i == at ? poison : 0.01f * (i % 13));
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", bad), "poisoned.npy", "sample 2 ", said);
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", bad, "--no-root-cause", "--engine", "ort"), "poisoned.npy", "sample 2 ");
    }

    [Fact]
    public void A_bad_npz_entry_is_named_with_its_archive()
    {
        string dir = TestData.NewTempDir();
        string model = PlantedModel(dir);
        var good = TensorValue.FromFloats(new long[] { 1, 4, 6, 6 }, Enumerable.Range(0, 144).Select(i => 0.1f * (i % 5)).ToArray());
        var nan = TensorValue.FromFloats(new long[] { 1, 4, 6, 6 }, Enumerable.Range(0, 144).Select(i => i == 7 ? float.NaN : 0f).ToArray());
        string npz = Path.Combine(dir, "set.npz");
        NpzTestFiles.Write(npz, new[] { ("first", good), ("second", nan) });
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", npz), "set.npz", "second", "sample 0 ", "NaN");
    }

    [Fact]
    public void Recalibrate_refuses_nan_data_and_writes_nothing()
    {
        string dir = TestData.NewTempDir();
        string model = PlantedModel(dir);
        string bad = Npy(dir, "nan.npy", new long[] { 2, 4, 6, 6 }, i => i == 100 ? float.NaN : 0.5f * (i % 3));
        string output = Path.Combine(dir, "out.onnx");
        AssertBadInput(CliHarness.Run("recalibrate", model, "--data", bad, "-o", output), "nan.npy", "NaN");
        Assert.False(File.Exists(output));
        Assert.Equal(new[] { "model.onnx", "nan.npy" }, Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_batch_size_below_one_or_a_single_sample_is_refused_for_the_small_batch_analysis()
    {
        string dir = TestData.NewTempDir();
        string model = PlantedModel(dir);
        string one = Npy(dir, "one.npy", new long[] { 1, 4, 6, 6 }, i => 0.1f * (i % 7));
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", one, "--batch-size", "0"), "--batch-size");
        AssertBadInput(CliHarness.Run("check-stats", model, "--data", one, "--batch-size", "4"), "at least 2 samples");
    }
}
