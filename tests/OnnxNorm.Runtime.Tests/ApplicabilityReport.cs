namespace OnnxNorm.Runtime.Tests;

/// <summary>Writes which backend cases do not apply and why, when ONNXNORM_WRITE_CONFORMANCE=1 (a report, not a check).</summary>
public sealed class ApplicabilityReport
{
    [Fact]
    public void WritesNotApplicableReasonsOnRequest()
    {
        if (Environment.GetEnvironmentVariable("ONNXNORM_WRITE_CONFORMANCE") != "1") return;
        var lines = ConformanceSuite.CaseDirs().Select(ConformanceSuite.Run).Where(r => !r.Applicable).Select(r => $"{r.Name}\t{r.Detail}");
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "onnxnorm-not-applicable.txt"), lines);
    }
}
