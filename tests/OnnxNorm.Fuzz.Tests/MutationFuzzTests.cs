using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;
using Xunit.Abstractions;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>
/// Seeded mutation fuzzing of every verb over the real PaddleOCR models and testmodels/. CI runs the
/// default count; ONNXNORM_FUZZ_CASES=N runs a longer campaign. Every crash found becomes a case in
/// <see cref="RegressionCases"/>.
/// </summary>
[Trait("Category", "Slow")]
public class MutationFuzzTests
{
    private readonly ITestOutputHelper _log;
    public MutationFuzzTests(ITestOutputHelper log) => _log = log;

    private static int CaseCount(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("ONNXNORM_FUZZ_CASES"), out int n) && n > 0 ? n : fallback;

    public static IEnumerable<object[]> Seeds() => FuzzSeed.All().Select(s => new object[] { s.Name });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryVerbKeepsTheContractOnMutatedModels(string seedModel)
    {
        var seed = FuzzSeed.Named(seedModel);
        byte[] original = File.ReadAllBytes(seed.Path);
        int cases = CaseCount(seed.DefaultCases);
        // string.GetHashCode is randomised per process; a fixed fold of the name keeps every run identical.
        var rng = new DeterministicRandom(seedModel.Aggregate(1469598103934665603UL, (h, ch) => (h ^ ch) * 1099511628211UL));
        string dir = TestData.NewTempDir();
        string calibration = seed.WriteCalibrationData(TestData.NewTempDir());
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < cases && failures.Count < 10; i++)
        {
            var (kind, bytes) = ModelMutator.Mutate(original, rng);
            string input = Path.Combine(dir, "in.onnx");
            File.WriteAllBytes(input, bytes);
            foreach (var (verbArgs, output) in FuzzVerbs.For(input, dir, seed, calibration))
            {
                string? violation = FuzzHarness.Check(dir, input, bytes, verbArgs, output);
                if (violation is not null)
                {
                    string saved = Path.Combine(TestData.CacheDir, "fuzz-failures", $"{seedModel}-{i}-{kind}.onnx");
                    Directory.CreateDirectory(Path.GetDirectoryName(saved)!);
                    File.WriteAllBytes(saved, bytes);
                    failures.Add($"case {i} ({kind}) -> {violation} [saved {saved}]");
                }
                if (output is not null && File.Exists(output)) File.Delete(output);
            }
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
        }
        _log.WriteLine($"{seedModel}: {cases} cases, mutations {string.Join(", ", outcomes.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
