using OnnxNorm.TestModels;
using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

public class CheckStatsTests
{
    public static TheoryData<string> Engines => new() { "native", "ort" };

    private static (string Model, string DataDir) Setup(bool planted, int batches = 6, int batch = 4)
    {
        string dir = TestData.NewTempDir();
        string model = Path.Combine(dir, "model.onnx");
        PlantedModels.Build(planted).Save(model);
        string data = Path.Combine(dir, "data");
        PlantedModels.WriteData(data, batches, batch);
        return (model, data);
    }

    private static JsonElement Layer(JsonDocument doc, string node) =>
        doc.RootElement.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("node").GetString() == node);

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Theory, MemberData(nameof(Engines))]
    public void Planted_layers_rank_first_and_exactly_the_planted_channels_are_flagged(string engine)
    {
        var (model, data) = Setup(planted: true);
        string json = Path.Combine(Path.GetDirectoryName(model)!, "report.json");
        var r = CliHarness.Run("check-stats", model, "--data", data, "--engine", engine, "--json", json);
        Assert.True(r.ExitCode == 1, r.Stderr + r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("node").GetString()).ToList();
        Assert.Equal(new[] { "bn1", "bn2", "bn3" }, layers);

        var bn1 = Layer(doc, "bn1");
        Assert.True(bn1.GetProperty("rootCause").GetBoolean());
        Assert.Equal(PlantedModels.PlantedBn1Channels, Ints(bn1.GetProperty("flaggedChannels")));
        Assert.Equal(PlantedModels.PlantedBn1Channels, Ints(bn1.GetProperty("ownFlaggedChannels")));
        // bn1 sees the raw data: its data statistics are the generated ones, and the shifts are the planted 3σ and 2.5σ.
        var ch = bn1.GetProperty("channels").EnumerateArray().ToList();
        for (int c = 0; c < PlantedModels.C; c++)
        {
            Assert.Equal(PlantedModels.InputMean[c], ch[c].GetProperty("dataMean").GetDouble(), 4);
            Assert.Equal(PlantedModels.InputVar[c], ch[c].GetProperty("dataVar").GetDouble(), 3);
        }
        Assert.Equal(3.0, ch[1].GetProperty("meanShift").GetDouble(), 3);
        Assert.Equal(2.5, ch[3].GetProperty("meanShift").GetDouble(), 3);

        var bn2 = Layer(doc, "bn2");
        Assert.True(bn2.GetProperty("rootCause").GetBoolean());
        Assert.Equal(PlantedModels.PlantedBn2Channels, Ints(bn2.GetProperty("ownFlaggedChannels")));
        // Deployed, bn2 also sees bn1's shift on channels 1 and 3.
        Assert.Equal(new[] { 1, 2, 3 }, Ints(bn2.GetProperty("flaggedChannels")));
        var ch2 = bn2.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(4.0, ch2[2].GetProperty("ownVarRatio").GetDouble(), 2);

        var bn3 = Layer(doc, "bn3");
        Assert.True(bn3.GetProperty("flagged").GetBoolean());
        Assert.False(bn3.GetProperty("rootCause").GetBoolean());
        Assert.True(bn3.GetProperty("inherited").GetBoolean());
        Assert.Empty(Ints(bn3.GetProperty("ownFlaggedChannels")));
        Assert.Contains("wrong itself", r.Stdout);
        Assert.Equal("wrongItself", bn1.GetProperty("verdict").GetString());
    }

    [Theory, MemberData(nameof(Engines))]
    public void Statistics_that_match_the_data_come_out_clean(string engine)
    {
        var (model, data) = Setup(planted: false);
        string json = Path.Combine(Path.GetDirectoryName(model)!, "report.json");
        var r = CliHarness.Run("check-stats", model, "--data", data, "--engine", engine, "--json", json);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("clean").GetBoolean());
        foreach (var l in doc.RootElement.GetProperty("layers").EnumerateArray())
        {
            Assert.False(l.GetProperty("flagged").GetBoolean());
            // The analytic statistics are the data's up to float rounding: shifts near 0, ratios near 1.
            foreach (var c in l.GetProperty("channels").EnumerateArray())
            {
                Assert.True(c.GetProperty("meanShift").GetDouble() < 1e-3, l.GetProperty("node").GetString());
                Assert.Equal(1.0, c.GetProperty("varRatio").GetDouble(), 3);
            }
        }
    }

    [Theory, MemberData(nameof(Engines))]
    public void Recalibrate_then_check_stats_is_clean(string engine)
    {
        var (model, data) = Setup(planted: true);
        string fixedModel = Path.Combine(Path.GetDirectoryName(model)!, "fixed.onnx");
        var r = CliHarness.Run("recalibrate", model, "--data", data, "--engine", engine, "-o", fixedModel);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        using (var m = ModelLoader.Load(fixedModel))
        {
            var bn1 = m.Graph.Nodes.Single(n => n.Name == "bn1");
            var mean = Graph.TryGetConstant(bn1.Input(3))!.ToDoubles();
            var var_ = Graph.TryGetConstant(bn1.Input(4))!.ToDoubles();
            for (int c = 0; c < PlantedModels.C; c++)
            {
                Assert.Equal(PlantedModels.InputMean[c], mean[c], 4);
                Assert.Equal(PlantedModels.InputVar[c], var_[c], 3);
            }
            // bn2 now holds the statistics its input has with bn1 corrected: the closed-form truth.
            var bn2 = m.Graph.Nodes.Single(n => n.Name == "bn2");
            var var2 = Graph.TryGetConstant(bn2.Input(4))!.ToDoubles();
            var (_, trueVar2) = PlantedModels.TrueBn2Input();
            for (int c = 0; c < PlantedModels.C; c++) Assert.Equal(1.0, var2[c] / trueVar2[c], 3);
            // The tensor names the user knows survive.
            Assert.Equal("bn2.running_var", bn2.Input(4)!.Name);
            Assert.Null(OnnxNorm.Passes.GraphInvariants.FindProblem(m));
        }
        var check = CliHarness.Run("check-stats", fixedModel, "--data", data, "--engine", engine);
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);
        Assert.Contains("result: clean", check.Stdout);
    }

    [Fact]
    public void Data_that_does_not_fit_the_model_is_bad_input()
    {
        var (model, _) = Setup(planted: false);
        string bad = Path.Combine(Path.GetDirectoryName(model)!, "bad.npy");
        NpyFile.Write(bad, TensorValue.FromFloats(new long[] { 2, 3, 6, 6 }, new float[2 * 3 * 36]));
        var r = CliHarness.Run("check-stats", model, "--data", bad, "--engine", "ort");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        var unknown = CliHarness.Run("check-stats", model, "--data", "nosuch=" + bad, "--engine", "ort");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("not an input", unknown.Stderr);
    }

    [Fact]
    public void Npz_pb_and_named_data_give_the_same_report_as_a_folder_of_npy()
    {
        var (model, data) = Setup(planted: true, batches: 3);
        string dir = Path.GetDirectoryName(model)!;
        var files = Directory.GetFiles(data).Order(StringComparer.Ordinal).ToList();
        string npz = Path.Combine(dir, "data.npz");
        NpzTestFiles.Write(npz, files.Select(f => (Path.GetFileNameWithoutExtension(f), NpyFile.Read(f))).ToList());
        string pbDir = Path.Combine(dir, "pb");
        Directory.CreateDirectory(pbDir);
        foreach (var f in files) OnnxNorm.Runtime.Data.TensorProtoFile.Write(Path.Combine(pbDir, Path.GetFileNameWithoutExtension(f) + ".pb"), NpyFile.Read(f), "x");

        string Report(params string[] dataArgs)
        {
            string json = Path.Combine(dir, $"r{Guid.NewGuid():N}.json");
            var args = new List<string> { "check-stats", model, "--engine", "ort", "--json", json, "--no-root-cause" };
            foreach (var d in dataArgs) { args.Add("--data"); args.Add(d); }
            var r = CliHarness.Run(args.ToArray());
            Assert.True(r.ExitCode == 1, r.Stderr);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return doc.RootElement.GetProperty("layers").ToString();
        }
        string fromFolder = Report(data);
        Assert.Equal(fromFolder, Report(npz));
        Assert.Equal(fromFolder, Report(pbDir));
        Assert.Equal(fromFolder, Report("x=" + data));
        Assert.Equal(fromFolder, Report(files.ToArray()));
    }

    [Fact]
    public void Html_report_is_self_contained_with_plots_and_ranking()
    {
        var (model, data) = Setup(planted: true, batches: 2);
        string html = Path.Combine(Path.GetDirectoryName(model)!, "report.html");
        var r = CliHarness.Run("check-stats", model, "--data", data, "--engine", "ort", "--html", html);
        Assert.Equal(1, r.ExitCode);
        string text = File.ReadAllText(html);
        // The overview, then four plots per layer (shift, ratio, mean, variance), for the 3 layers.
        Assert.Equal(1 + 3 * 4, text.Split("<svg").Length - 1);
        Assert.Contains("Network overview", text);
        Assert.Contains("Ranking", text);
        Assert.Contains("onnxnorm recalibrate", text);
        Assert.DoesNotContain("<script", text);
        Assert.DoesNotContain("src=", text);
    }

    [Fact]
    public void Batch_of_one_with_one_by_one_spatial_is_warned_about()
    {
        string dir = TestData.NewTempDir();
        var b = new TestModels.ModelBuilder(opset: 15);
        var x = b.Input("x", ElementType.Float, "N", 2, 1, 1);
        b.Initializer("s", ElementType.Float, new long[] { 2 }, new double[] { 1, 1 });
        b.Initializer("b", ElementType.Float, new long[] { 2 }, new double[] { 0, 0 });
        b.Initializer("m", ElementType.Float, new long[] { 2 }, new double[] { 0, 0 });
        b.Initializer("v", ElementType.Float, new long[] { 2 }, new double[] { 1, 1 });
        b.Node("BatchNormalization", new[] { x, "s", "b", "m", "v" }, new[] { "y" }, "bn", ("training_mode", 1));
        b.Output("y", ElementType.Float, "N", 2, 1, 1);
        string model = Path.Combine(dir, "m.onnx");
        b.Save(model);
        var rng = new DeterministicRandom(1);
        for (int i = 0; i < 4; i++)
            NpyFile.Write(Path.Combine(dir, $"d{i}.npy"), TensorValue.FromFloats(new long[] { 1, 2, 1, 1 }, rng.Normals(2).Select(v => (float)v).ToArray()));
        var r = CliHarness.Run("check-stats", model, "--data", Path.Combine(dir, "d0.npy"), "--data", Path.Combine(dir, "d1.npy"), "--engine", "ort");
        Assert.Contains("zero variance", r.Stdout);
        Assert.Contains("measured as if frozen", r.Stdout);
        Assert.Contains("default statistics", r.Stdout);
    }

    [Theory, MemberData(nameof(Engines))]
    public void A_model_with_two_inputs_takes_named_data_and_json_on_stdout(string engine)
    {
        // u → bnU, v → bnV, then Add. bnU's statistics fit the data; bnV's mean is off by 2σ on channel 0.
        string dir = TestData.NewTempDir();
        var b = new TestModels.ModelBuilder(opset: 15);
        b.Input("u", ElementType.Float, "N", 2, 3, 3);
        b.Input("v", ElementType.Float, "N", 2, 3, 3);
        foreach (var (name, mean) in new[] { ("bnU", new double[] { 1, -1 }), ("bnV", new double[] { 2 + 2 * Math.Sqrt(1 + 1e-5), -1 }) })
        {
            b.Initializer($"{name}.s", ElementType.Float, new long[] { 2 }, new double[] { 1, 1 });
            b.Initializer($"{name}.b", ElementType.Float, new long[] { 2 }, new double[] { 0, 0 });
            b.Initializer($"{name}.m", ElementType.Float, new long[] { 2 }, mean);
            b.Initializer($"{name}.v", ElementType.Float, new long[] { 2 }, new double[] { 1, 1 });
            b.Node("BatchNormalization", new[] { name == "bnU" ? "u" : "v", $"{name}.s", $"{name}.b", $"{name}.m", $"{name}.v" }, new[] { name + ".out" }, name);
        }
        b.Node("Add", new[] { "bnU.out", "bnV.out" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, "N", 2, 3, 3);
        string model = Path.Combine(dir, "two.onnx");
        b.Save(model);
        // Each channel holds +1/−1 around its mean in equal numbers: mean exactly m, population variance exactly 1.
        TensorValue Data(double m0, double m1)
        {
            var d = new float[2 * 2 * 9];
            for (int n = 0; n < 2; n++)
                for (int c = 0; c < 2; c++)
                    for (int i = 0; i < 9; i++)
                        d[(n * 2 + c) * 9 + i] = (float)((c == 0 ? m0 : m1) + (n == 0 ? 1 : -1));
            return TensorValue.FromFloats(new long[] { 2, 2, 3, 3 }, d);
        }
        NpyFile.Write(Path.Combine(dir, "u.npy"), Data(1, -1));
        NpyFile.Write(Path.Combine(dir, "v.npy"), Data(2, -1));
        var r = CliHarness.Run("check-stats", model, "--data", "v=" + Path.Combine(dir, "v.npy"), "--data", "u=" + Path.Combine(dir, "u.npy"), "--engine", engine, "--json", "-");
        Assert.True(r.ExitCode == 1, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal("bnV", doc.RootElement.GetProperty("layers")[0].GetProperty("node").GetString());
        Assert.Equal(new[] { 0 }, Ints(Layer(doc, "bnV").GetProperty("flaggedChannels")));
        Assert.Equal(2.0, Layer(doc, "bnV").GetProperty("channels")[0].GetProperty("meanShift").GetDouble(), 5);
        Assert.False(Layer(doc, "bnU").GetProperty("flagged").GetBoolean());
        Assert.Equal(2, CliHarness.Run("check-stats", model, "--data", Path.Combine(dir, "u.npy"), "--engine", engine).ExitCode);
    }
}
