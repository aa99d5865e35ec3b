using OnnxNorm.AflFuzz;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>
/// The fast CI slice of the coverage-guided campaign (README "Fuzzing"): every input afl-fuzz kept as
/// reaching new code in the loader + pass pipeline and the .npy/.npz/.pb readers, and every input that
/// once crashed one (afl-corpus/npz/crash-*), replayed through the same entry points. Anything but success
/// or a BadInputException fails the test with the file's name.
/// </summary>
public class AflCorpusReplayTests
{
    private static string CorpusDir => Path.Combine(TestData.RepoRoot, "tests", "OnnxNorm.Fuzz.Tests", "afl-corpus");

    public static TheoryData<string> Targets => new() { "model", "npy", "npz", "pb" };

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_kept_afl_input_keeps_the_contract(string target)
    {
        var files = Directory.GetFiles(Path.Combine(CorpusDir, target)).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 10, $"the {target} corpus holds only {files.Count} files");
        foreach (var file in files)
        {
            try { FuzzTargets.Run(target, File.ReadAllBytes(file)); }
            catch (Exception e) { Assert.Fail($"{target} {Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}"); }
        }
    }
}
