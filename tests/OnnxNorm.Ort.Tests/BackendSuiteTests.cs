using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

public class BackendSuiteTests
{
    /// <summary>
    /// Every case listed in BackendCasesExpectedToPass.txt must still pass: ORT through our binding reproduces
    /// the suite's expected outputs. Set ONNXNORM_UPDATE_BACKEND_LIST=1 to rewrite the list from a run.
    /// </summary>
    [Fact]
    public void Ort_reproduces_the_backend_suite_expected_outputs()
    {
        var results = BackendSuite.CaseNames().Select(c => (Case: c, Result: BackendSuite.Run(c))).ToList();
        var passed = results.Where(r => r.Result.Outcome == BackendSuite.Outcome.Passed).Select(r => r.Case).ToList();
        if (Environment.GetEnvironmentVariable("ONNXNORM_UPDATE_BACKEND_LIST") == "1")
        {
            File.WriteAllLines(BackendSuite.ExpectedListPath, new[]
            {
                "# ONNX backend-suite cases (libonnx-testdata) whose expected outputs ORT reproduces through OnnxNorm's binding.",
                "# Regenerate: ONNXNORM_UPDATE_BACKEND_LIST=1 dotnet test tests/OnnxNorm.Ort.Tests --filter BackendSuite",
            }.Concat(passed));
            File.WriteAllLines(Path.Combine(TestData.CacheDir, "backend-failures.txt"), results.Where(r => r.Result.Outcome != BackendSuite.Outcome.Passed)
                .Select(r => $"{r.Case}\t{r.Result.Outcome}\t{r.Result.Message.ReplaceLineEndings(" ")}"));
        }
        var expected = File.ReadAllLines(BackendSuite.ExpectedListPath).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.True(expected.Count > 500, $"the expected list holds only {expected.Count} cases");
        var byCase = results.ToDictionary(r => r.Case, r => r.Result);
        var regressions = expected
            .Where(c => !byCase.TryGetValue(c, out var r) || r.Outcome != BackendSuite.Outcome.Passed)
            .Select(c => byCase.TryGetValue(c, out var r) ? $"{c}: {r.Outcome}: {r.Message}" : $"{c}: case missing from the test data")
            .ToList();
        Assert.True(regressions.Count == 0, $"{regressions.Count} backend cases regressed:\n{string.Join("\n", regressions.Take(30))}");
    }

    [Fact]
    public void A_known_case_passes_and_a_wrong_expectation_is_caught()
    {
        Assert.Equal(BackendSuite.Outcome.Passed, BackendSuite.Run("node/test_relu").Outcome);
        // The same case with relu's input offered as its expected output: relu(x) != x where x < 0.
        string dir = TestData.NewTempDir();
        string src = Path.Combine(TestData.OnnxBackendData, "node", "test_relu");
        File.Copy(Path.Combine(src, "model.onnx"), Path.Combine(dir, "model.onnx"));
        string set = Directory.CreateDirectory(Path.Combine(dir, "test_data_set_0")).FullName;
        File.Copy(Path.Combine(src, "test_data_set_0", "input_0.pb"), Path.Combine(set, "input_0.pb"));
        File.Copy(Path.Combine(src, "test_data_set_0", "input_0.pb"), Path.Combine(set, "output_0.pb"));
        var (outcome, message) = BackendSuite.RunCase(dir);
        Assert.Equal(BackendSuite.Outcome.Mismatch, outcome);
        Assert.Contains("over tolerance", message);
    }
}
