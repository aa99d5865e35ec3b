using OnnxNorm.Runtime.Data;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>
/// Issue 14, item 8: a model and its external data file are one unit. A kill at any step of the save
/// leaves either the old pair, the new pair, or a pair that loading refuses, never a model that runs on
/// another save's weights; two concurrent saves without --force cannot both create the data file.
/// </summary>
public class ModelDataUnitTests
{
    private const int SaveSteps = 4; // data temp written, model temp written, data renamed, model renamed

    private static float FirstOutput(string model, string dir)
    {
        string outDir = Path.Combine(dir, "run-" + Guid.NewGuid().ToString("N"));
        var r = OnnxnormProcess.Run("run", model, "--engine", "native", "--output-dir", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return NpyFile.Read(Path.Combine(outDir, "y.npy")).AsSpan<float>()[0];
    }

    // Large files and many CLI processes: 15-20 s under load, so the fast loop (./test.sh --fast) leaves it to the full suite.
    [Trait("Category", "Slow")]
    [Fact]
    public void A_kill_after_any_step_of_the_save_never_pairs_a_model_with_another_saves_data()
    {
        string dir = TestData.NewTempDir();
        string oldSource = LargeModels.AddWithBigWeight(dir, "old-src.onnx", 4, fill: 0x3F);
        string newSource = LargeModels.AddWithBigWeight(dir, "new-src.onnx", 4, fill: 0x40);
        float oldY = FirstOutput(oldSource, dir), newY = FirstOutput(newSource, dir);
        Assert.NotEqual(oldY, newY);
        int refused = 0;
        for (int k = 1; k <= SaveSteps + 1; k++)
        {
            string pairDir = Path.Combine(dir, $"k{k}");
            Directory.CreateDirectory(pairDir);
            string pair = Path.Combine(pairDir, "pair.onnx");
            Assert.Equal(0, OnnxnormProcess.Run("convert", oldSource, "-o", pair, "--external-data", "pair.bin").ExitCode);
            var env = new Dictionary<string, string> { ["ONNXNORM_FAULT_AFTER_STEP"] = k.ToString() };
            var save = OnnxnormProcess.RunWithEnvironment(env, "convert", newSource, "-o", pair, "--external-data", "pair.bin", "--force");
            // k past the last step: the save completes.
            Assert.True(k > SaveSteps ? save.ExitCode == 0 : save.ExitCode != 0, $"k={k}: exit {save.ExitCode} {save.Stderr}");

            var inspect = OnnxnormProcess.Run("inspect", pair);
            if (inspect.ExitCode == 2)
            {
                Assert.Contains("does not belong to this model", inspect.Stderr);
                refused++;
                continue;
            }
            Assert.True(inspect.ExitCode == 0, $"k={k}: {inspect.Stderr}");
            float y = FirstOutput(pair, dir);
            Assert.True(y == oldY || y == newY, $"k={k}: the model ran on weights from neither save (y={y}, old {oldY}, new {newY})");
            if (k > SaveSteps) Assert.Equal(newY, y);
        }
        Assert.True(refused >= 1, "the step between the two renames must leave a pair that loading refuses");
    }

    // Large files and many CLI processes: 15-20 s under load, so the fast loop (./test.sh --fast) leaves it to the full suite.
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Of_two_concurrent_saves_to_the_same_new_data_file_without_force_exactly_one_succeeds()
    {
        string dir = TestData.NewTempDir();
        string source = LargeModels.AddWithBigWeight(dir, "src.onnx", 48);
        for (int attempt = 0; attempt < 6; attempt++)
        {
            string target = Path.Combine(dir, $"t{attempt}");
            Directory.CreateDirectory(target);
            var runs = Enumerable.Range(0, 2).Select(i => Task.Run(() =>
                OnnxnormProcess.Run("convert", source, "-o", Path.Combine(target, $"m{i}.onnx"), "--external-data", "m.bin"))).ToArray();
            var results = await Task.WhenAll(runs);
            Assert.True(results.Count(r => r.ExitCode == 0) == 1, $"attempt {attempt}: exits {string.Join(", ", results.Select(r => $"{r.ExitCode} {r.Stderr.Trim()}"))}");
            var loser = results.Single(r => r.ExitCode != 0);
            CliAssert.BadInput(loser, "m.bin");
            int winner = Array.FindIndex(results, r => r.ExitCode == 0);
            Assert.Equal(0, OnnxnormProcess.Run("inspect", Path.Combine(target, $"m{winner}.onnx")).ExitCode);
            Assert.False(File.Exists(Path.Combine(target, $"m{1 - winner}.onnx")));
        }
    }
}
