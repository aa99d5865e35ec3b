using System.Text.Json;
using OnnxNorm.Graph;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Statistics;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// check-stats --batch-size on a real model: PaddleOCR's text-direction classifier (a Paddle2ONNX export with
/// 35 unfolded BN layers), fed image-like inputs: each sample a smooth random field (4x4-pixel blocks, so
/// neighbouring pixels are correlated as in images) with its own contrast and brightness.
/// </summary>
public class SmallBatchTests
{
    private const int Files = 4, PerFile = 16, H = 48, W = 192;

    private static readonly Lazy<(string Model, string Data)> Real = new(() =>
    {
        string dir = TestData.NewTempDir();
        string data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        var rng = new DeterministicRandom(17);
        for (int f = 0; f < Files; f++)
        {
            var x = new float[PerFile * 3 * H * W];
            for (int n = 0; n < PerFile; n++)
            {
                double contrast = rng.Uniform(0.3, 1.2), brightness = rng.Normals(1, 0.5)[0];
                for (int c = 0; c < 3; c++)
                {
                    var blocks = rng.Normals((H / 4) * (W / 4));
                    for (int y = 0; y < H; y++)
                        for (int z = 0; z < W; z++)
                            x[((n * 3 + c) * H + y) * W + z] = (float)(contrast * blocks[(y / 4) * (W / 4) + z / 4] + brightness);
                }
            }
            NpyFile.Write(Path.Combine(data, $"batch_{f}.npy"), TensorValue.FromFloats(new long[] { PerFile, 3, H, W }, x));
        }
        return (TestData.Paddle(TestData.PaddleCls), data);
    });

    /// <summary>The real model and its generated image-like data (written once per test run).</summary>
    public static (string Model, string Data) RealModelAndData => Real.Value;

    private static JsonDocument CheckStats(int batchSize, out CliHarness.Outcome outcome)
    {
        var (model, data) = Real.Value;
        string json = Path.Combine(TestData.NewTempDir(), "r.json");
        outcome = CliHarness.Run("check-stats", model, "--data", data, "--no-root-cause", "--batch-size", batchSize.ToString(), "--json", json);
        Assert.True(outcome.ExitCode is 0 or 1, outcome.Stderr + outcome.Stdout);
        return JsonDocument.Parse(File.ReadAllText(json));
    }

    private static Dictionary<string, JsonElement> SmallBatchByLayer(JsonDocument doc) =>
        doc.RootElement.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("node").GetString()!, l => l.GetProperty("smallBatch"));

    [Fact]
    public void Noise_falls_as_one_over_root_b_batch_2_is_about_twice_batch_8()
    {
        var b2 = SmallBatchByLayer(CheckStats(2, out _));
        var b8 = SmallBatchByLayer(CheckStats(8, out _));
        Assert.Equal(35, b2.Count);
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
        Assert.All(meanRatios, r => Assert.InRange(r, 1.98, 2.02));
        Assert.All(varRatios, r => Assert.InRange(r, 1.6, 2.4));
        Assert.InRange(Median(varRatios), 1.8, 2.2);
    }

    [Fact]
    public void Small_batches_are_flagged_and_large_ones_are_not_and_the_smallest_safe_size_is_exact()
    {
        using var small = CheckStats(2, out var smallRun);
        var sb = small.RootElement.GetProperty("smallBatch");
        var flagged = sb.GetProperty("flaggedLayers").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(flagged);
        Assert.Equal(1, smallRun.ExitCode);
        int safe = sb.GetProperty("smallestSafeBatchSize").GetInt32();
        Assert.InRange(safe, 3, 256);
        Assert.Contains($"smallest batch size at which no layer is flagged: {safe}", smallRun.Stdout);
        // The advice: a freeze-bn command whose regex selects exactly the flagged layers, and the GroupNorm/LayerNorm note.
        string regex = sb.GetProperty("freezeRegex").GetString()!;
        var names = small.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("node").GetString()!).ToList();
        Assert.Equal(flagged.Order(), names.Where(n => System.Text.RegularExpressions.Regex.IsMatch(n, regex)).Order());
        Assert.Contains(small.RootElement.GetProperty("fixCommands").EnumerateArray(), c => c.GetString()!.Contains("freeze-bn") && c.GetString()!.Contains("--only"));
        Assert.Contains("GroupNorm or LayerNorm", small.RootElement.GetProperty("note").GetString());
        Assert.Contains("freeze-bn", smallRun.Stdout);

        using var atSafe = CheckStats(safe, out _);
        Assert.Empty(atSafe.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        using var below = CheckStats(safe - 1, out _);
        Assert.NotEmpty(below.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        using var large = CheckStats(256, out var largeRun);
        Assert.Empty(large.RootElement.GetProperty("smallBatch").GetProperty("flaggedLayers").EnumerateArray());
        Assert.Contains("no layer flagged at batch size 256", largeRun.Stdout);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void The_estimate_matches_a_simulation_that_draws_batches_from_the_data_within_20_percent(int batchSize)
    {
        var doc = CheckStats(batchSize, out _);
        var estimate = SmallBatchByLayer(doc);
        var (modelPath, data) = Real.Value;
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
            Assert.Equal(Files * PerFile, samples.Count);
            var (meanNoise, varNoise) = Simulate(samples, layer.Channels, batchSize, layer.Epsilon, rng, draws: 20000);
            var e = estimate[layer.Label];
            Assert.InRange(e.GetProperty("meanNoise").GetDouble() / meanNoise, 0.8, 1.2);
            Assert.InRange(e.GetProperty("varNoise").GetDouble() / varNoise, 0.8, 1.2);
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
