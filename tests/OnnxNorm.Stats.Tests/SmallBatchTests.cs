using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// check-stats --batch-size on real models: PaddleOCR's text-direction classifier (a Paddle2ONNX export with 35
/// unfolded BN layers) and torchvision's ResNet-18 from the real-model corpus (PyTorch's exporter, 20 BN layers),
/// each fed 64 image-like samples: smooth random fields (blocks of 4x4 or 8x8 pixels, so neighbouring pixels
/// are correlated as in images), each sample with its own contrast and brightness.
/// </summary>
public class SmallBatchTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Samples = 64;

    // ResNet-18 reads 64 images of 224x224 per check-stats run (10-35 s per test under load): the fast loop checks the
    // PaddleOCR classifier, the full suite (Category=Slow) ResNet-18 too.
    public static TheoryData<string> Models => new() { "paddle-cls" };

    public static TheoryData<string, int> ModelsAndBatchSizes => new() { { "paddle-cls", 2 }, { "paddle-cls", 8 } };

    public static TheoryData<string, int> ResNetBatchSizes => new() { { "resnet18", 2 }, { "resnet18", 8 } };

    [Trait("Category", "Slow")]
    [Fact]
    public void On_resnet18_noise_falls_as_one_over_root_b_batch_2_is_about_twice_batch_8() =>
        Noise_falls_as_one_over_root_b_batch_2_is_about_twice_batch_8("resnet18");

    [Trait("Category", "Slow")]
    [Fact]
    public void On_resnet18_small_batches_are_flagged_and_large_ones_are_not_and_the_smallest_safe_size_is_exact() =>
        Small_batches_are_flagged_and_large_ones_are_not_and_the_smallest_safe_size_is_exact("resnet18");

    [Trait("Category", "Slow")]
    [Theory, MemberData(nameof(ResNetBatchSizes))]
    public void On_resnet18_the_estimate_matches_a_simulation_that_draws_batches_from_the_data_within_20_percent(string which, int batchSize) =>
        The_estimate_matches_a_simulation_that_draws_batches_from_the_data_within_20_percent(which, batchSize);

    private static readonly Dictionary<string, Lazy<(string Model, string Data)>> Cases = new()
    {
        // Dynamic batch: 4 files of 16 samples, 48x192 like the text lines it classifies.
        ["paddle-cls"] = new(() => (TestData.Paddle(TestData.PaddleCls), WriteImages(files: 4, perFile: 16, 48, 192, block: 4, seed: 17))),
        // The export has batch 1 fixed: 64 files of one 224x224 image.
        ["resnet18"] = new(() => (RealModelCorpus.Get("resnet18").Path, WriteImages(files: 64, perFile: 1, 224, 224, block: 8, seed: 23))),
    };

    private static string WriteImages(int files, int perFile, int h, int w, int block, ulong seed)
    {
        string data = Path.Combine(TestData.NewTempDir(), "data");
        Directory.CreateDirectory(data);
        var rng = new DeterministicRandom(seed);
        int bh = h / block, bw = w / block;
        for (int f = 0; f < files; f++)
        {
            var x = new float[perFile * 3 * h * w];
            for (int n = 0; n < perFile; n++)
            {
                double contrast = rng.Uniform(0.3, 1.2), brightness = rng.Normals(1, 0.5)[0];
                for (int c = 0; c < 3; c++)
                {
                    var blocks = rng.Normals(bh * bw);
                    for (int y = 0; y < h; y++)
                        for (int z = 0; z < w; z++)
                            x[((n * 3 + c) * h + y) * w + z] = (float)(contrast * blocks[(y / block) * bw + z / block] + brightness);
                }
            }
            NpyFile.Write(Path.Combine(data, $"batch_{f:D3}.npy"), TensorValue.FromFloats(new long[] { perFile, 3, h, w }, x));
        }
        return data;
    }

    /// <summary>The PaddleOCR classifier and its generated image-like data (written once per test run).</summary>
    public static (string Model, string Data) RealModelAndData => Cases["paddle-cls"].Value;

    private static JsonDocument CheckStats(string which, int batchSize, out CliHarness.Outcome outcome)
    {
        var (model, data) = Cases[which].Value;
        string json = Path.Combine(TestData.NewTempDir(), "r.json");
        outcome = CliHarness.Run("check-stats", model, "--data", data, "--no-root-cause", "--batch-size", batchSize.ToString(), "--json", json);
        Assert.True(outcome.ExitCode is 0 or 1, outcome.Stderr + outcome.Stdout);
        return JsonDocument.Parse(File.ReadAllText(json));
    }

    private static Dictionary<string, JsonElement> SmallBatchByLayer(JsonDocument doc) =>
        doc.RootElement.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("node").GetString()!, l => l.GetProperty("smallBatch"));

    [Theory, MemberData(nameof(Models))]
    public void Noise_falls_as_one_over_root_b_batch_2_is_about_twice_batch_8(string which)
    {
        using var d2 = CheckStats(which, 2, out _);
        using var d8 = CheckStats(which, 8, out _);
        var b2 = SmallBatchByLayer(d2);
        var b8 = SmallBatchByLayer(d8);
        Assert.Equal(which == "resnet18" ? 20 : 35, b2.Count);
        var meanRatios = new List<double>();
        var varRatios = new List<double>();
        foreach (var (node, s2) in b2)
        {
            Assert.Equal(2, s2.GetProperty("batchSize").GetInt32());
            Assert.Equal(8, b8[node].GetProperty("batchSize").GetInt32());
            meanRatios.Add(s2.GetProperty("meanNoise").GetDouble() / b8[node].GetProperty("meanNoise").GetDouble());
            varRatios.Add(s2.GetProperty("varNoise").GetDouble() / b8[node].GetProperty("varNoise").GetDouble());
        }
        // √(8/2) = 2. The mean's noise is exactly σ_m/√B; the variance's has 1/B² and 1/B³ terms besides.
        output.WriteLine($"{which}: batch 2 / batch 8 mean noise {meanRatios.Min():0.000}..{meanRatios.Max():0.000}, var noise {varRatios.Min():0.000}..{varRatios.Max():0.000} (median {Median(varRatios):0.000})");
        Assert.All(meanRatios, r => Assert.InRange(r, 1.98, 2.02));
        Assert.All(varRatios, r => Assert.InRange(r, 1.6, 2.4));
        Assert.InRange(Median(varRatios), 1.8, 2.2);
    }

    [Theory, MemberData(nameof(Models))]
    public void Small_batches_are_flagged_and_large_ones_are_not_and_the_smallest_safe_size_is_exact(string which)
    {
        using var small = CheckStats(which, 2, out var smallRun);
        var sb = small.RootElement.GetProperty("smallBatch");
        var flagged = sb.GetProperty("flaggedLayers").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(flagged);
        Assert.Equal(1, smallRun.ExitCode);
        int safe = sb.GetProperty("smallestSafeBatchSize").GetInt32();
        output.WriteLine($"{which}: {flagged.Count} layer(s) flagged at batch 2, smallest safe batch size {safe}");
        Assert.InRange(safe, 3, 256);
        Assert.Contains($"smallest batch size at which no layer is flagged: {safe}", smallRun.Stdout);
        // The advice: a freeze-bn command whose regex selects exactly the flagged layers, and the GroupNorm/LayerNorm note.
        string regex = sb.GetProperty("freezeRegex").GetString()!;
        var names = small.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("node").GetString()!).ToList();
        Assert.Equal(flagged.Order(), names.Where(n => System.Text.RegularExpressions.Regex.IsMatch(n, regex)).Order());
        Assert.Contains(small.RootElement.GetProperty("fixCommands").EnumerateArray(), c => c.GetString()!.Contains("freeze-bn") && c.GetString()!.Contains("--only"));
        Assert.Contains("GroupNorm or LayerNorm", small.RootElement.GetProperty("note").GetString());
        Assert.Contains("freeze-bn", smallRun.Stdout);

        using var atSafe = CheckStats(which, safe, out _);
        Assert.Empty(atSafe.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        using var below = CheckStats(which, safe - 1, out _);
        Assert.NotEmpty(below.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        using var large = CheckStats(which, 256, out var largeRun);
        Assert.Empty(large.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        Assert.Contains("no layer flagged at batch size 256", largeRun.Stdout);
    }

    [Theory, MemberData(nameof(ModelsAndBatchSizes))]
    public void The_estimate_matches_a_simulation_that_draws_batches_from_the_data_within_20_percent(string which, int batchSize)
    {
        using var doc = CheckStats(which, batchSize, out _);
        var estimate = SmallBatchByLayer(doc);
        var (modelPath, data) = Cases[which].Value;
        using var model = ModelLoader.Load(modelPath);
        var layers = BatchNormLayer.InMainGraph(model, new List<string>());
        // The first, a middle and the last BN layer.
        var picked = new[] { layers[0], layers[layers.Count / 2], layers[^1] };
        var sums = picked.ToDictionary(l => l.InputName, _ => new List<(double[] S1, double[] S2, int Count)>());
        using (var engine = NativeActivationEngine.Create(model, sums.Keys.ToHashSet()))
            foreach (var feeds in CalibrationData.Parse(new[] { data }, model).Batches())
                engine.Run(feeds, (name, v) => { lock (sums) sums[name].AddRange(PerSampleSums(v)); });

        var rng = new Random(5);
        foreach (var layer in picked)
        {
            var samples = sums[layer.InputName];
            Assert.Equal(Samples, samples.Count);
            var (meanNoise, varNoise) = Simulate(samples, layer.Channels, batchSize, layer.Epsilon, rng, draws: 20000);
            var e = estimate[layer.Label];
            output.WriteLine($"{which} B={batchSize} {layer.Label}: mean noise estimate {e.GetProperty("meanNoise").GetDouble():G4} simulated {meanNoise:G4} (ratio {e.GetProperty("meanNoise").GetDouble() / meanNoise:0.000}); var noise estimate {e.GetProperty("varNoise").GetDouble():G4} simulated {varNoise:G4} (ratio {e.GetProperty("varNoise").GetDouble() / varNoise:0.000})");
            // The issue asks for 20%; the closed form is exact for these draws, so only Monte-Carlo error is left.
            Assert.InRange(e.GetProperty("meanNoise").GetDouble() / meanNoise, 0.95, 1.05);
            Assert.InRange(e.GetProperty("varNoise").GetDouble() / varNoise, 0.95, 1.05);
            // Counting the B·H·W values of a batch as independent would promise a far steadier batch mean.
            double naive = 1 / Math.Sqrt((double)batchSize * samples[0].Count);
            output.WriteLine($"  counting B·H·W values as independent: mean noise {naive:G4}, {meanNoise / naive:0.0}x too low");
            Assert.True(naive < (layer == picked[0] ? 0.2 : 0.8) * meanNoise, $"{layer.Label}: naive {naive} vs simulated {meanNoise}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    /// <summary>Per sample and channel: the sum and the sum of squares of the values, and their count.</summary>
    private static IEnumerable<(double[] S1, double[] S2, int Count)> PerSampleSums(TensorValue v)
    {
        var x = v.ToDoubles();
        int n = (int)v.Shape[0], c = (int)v.Shape[1], inner = x.Length / (n * c);
        for (int i = 0; i < n; i++)
        {
            var s1 = new double[c];
            var s2 = new double[c];
            for (int ch = 0; ch < c; ch++)
                for (int k = 0; k < inner; k++)
                {
                    double a = x[(i * c + ch) * inner + k];
                    s1[ch] += a; s2[ch] += a * a;
                }
            yield return (s1, s2, inner);
        }
    }

    /// <summary>
    /// Draws batches of B samples (with replacement) and computes each batch's mean and variance over all its
    /// values, as a training-mode BN does; returns the median over channels of the RMS error of each, in the
    /// units the report uses (√(σ²+ε) for the mean, σ²+ε for the variance).
    /// </summary>
    private static (double Mean, double Var) Simulate(List<(double[] S1, double[] S2, int Count)> samples, int channels, int b,
        double epsilon, Random rng, int draws)
    {
        int n = samples.Count, per = samples[0].Count;
        var meanErr = new double[channels];
        var varErr = new double[channels];
        for (int ch = 0; ch < channels; ch++)
        {
            double total1 = samples.Sum(s => s.S1[ch]), total2 = samples.Sum(s => s.S2[ch]);
            double mu = total1 / ((double)n * per), sigma2 = total2 / ((double)n * per) - mu * mu;
            double se1 = 0, se2 = 0;
            for (int d = 0; d < draws; d++)
            {
                double a1 = 0, a2 = 0;
                for (int k = 0; k < b; k++)
                {
                    var s = samples[rng.Next(n)];
                    a1 += s.S1[ch]; a2 += s.S2[ch];
                }
                double m = a1 / ((double)b * per), v = a2 / ((double)b * per) - m * m;
                se1 += (m - mu) * (m - mu);
                se2 += (v - sigma2) * (v - sigma2);
            }
            meanErr[ch] = Math.Sqrt(se1 / draws) / Math.Sqrt(sigma2 + epsilon);
            varErr[ch] = Math.Sqrt(se2 / draws) / (sigma2 + epsilon);
        }
        return (Median(meanErr), Median(varErr));
    }
}
