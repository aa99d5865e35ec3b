using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>Every verb, as a user would run it, on every export of the real-model corpus (about two minutes: Slow).</summary>
[Trait("Category", "Slow")]
public class CorpusVerbTests
{
    public static IEnumerable<object[]> Exports => RealModelCorpus.Ids();

    [Theory]
    [MemberData(nameof(Exports))]
    public void EveryVerbExitsZeroOnTheExport(string id)
    {
        var c = RealModelCorpus.ById(id);
        string dir = Directory.CreateTempSubdirectory("onnxnorm-corpus-").FullName;
        try
        {
            string optimized = Path.Combine(dir, "optimized.onnx");
            var runs = new (string Verb, string[] Args)[]
            {
                ("inspect", new[] { "inspect", c.Path }),
                ("convert", new[] { "convert", c.Path, "-o", Path.Combine(dir, "converted.onnx") }),
                ("optimize --verify", new[] { "optimize", c.Path, "-o", optimized, "--verify" }),
                ("run", new[] { "run", optimized, "-o", Path.Combine(dir, "outputs") }),
                // compare's default, the noise-aware verdict (the fixed `close` preset calls resnet50's own
                // rounding noise, 4e-5 on logits near 0, a difference).
                ("compare", new[] { "compare", optimized, c.Path }),
                ("freeze-bn", new[] { "freeze-bn", c.Path, "-o", Path.Combine(dir, "frozen.onnx") }),
            };
            foreach (var (verb, args) in runs)
            {
                var r = OnnxnormProcess.Run(args);
                Assert.True(r.ExitCode == 0, $"{id}: {verb} exited {r.ExitCode}: {r.Stderr.Trim()} {r.Stdout[Math.Max(0, r.Stdout.Length - 600)..]}");
            }
            // check-stats on the inputs the running statistics were calibrated on (BN-only train mode, so what
            // the eval model computes): every layer must fit. Without the root-cause passes (one more pass per
            // BN level, minutes for r3d_18's 3-D convs on a busy 2-core machine).
            var stats = OnnxnormProcess.Run("check-stats", c.Path, "--data", c.CalibrationPath, "--no-root-cause", "--json", Path.Combine(dir, "stats.json"));
            Assert.True(stats.ExitCode == 0, $"{id}: check-stats exited {stats.ExitCode}: {stats.Stderr.Trim()} {stats.Stdout[Math.Max(0, stats.Stdout.Length - 1500)..]}");
            Assert.True(File.Exists(Path.Combine(dir, "stats.json")), $"{id}: check-stats wrote no report");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
