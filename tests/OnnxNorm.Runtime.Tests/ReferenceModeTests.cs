using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestSupport;
using Xunit.Abstractions;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The float64 reference mode: every case of the backend suite the normal mode passes, run with every float held in
/// double, must match the suite's expected outputs much more tightly than the suite's own tolerance (float32
/// expected data is itself rounded, so a few float32 ulps is the most a correct double evaluation can promise).
/// </summary>
public sealed class ReferenceModeTests
{
    public const double TightRtol = 1e-5, TightAtol = 1e-6;
    private readonly ITestOutputHelper _out;

    public ReferenceModeTests(ITestOutputHelper output) => _out = output;

    private static IEnumerable<string> MustPass() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "conformance-must-pass.txt"))
            .Select(l => l.Split('\t')[0].Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static Dictionary<string, string> Exceptions() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "reference-mode-exceptions.txt"))
            .Where(l => l.Trim().Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1] : "");

    [Fact]
    public void Every_backend_case_the_executor_passes_also_passes_in_float64_with_a_tight_tolerance()
    {
        var must = MustPass().ToHashSet();
        var exceptions = Exceptions();
        var dirs = ConformanceSuite.CaseDirs().Where(d => must.Contains(ConformanceSuite.CaseName(d))).ToList();
        Assert.True(dirs.Count > 500, $"only {dirs.Count} must-pass cases found");
        var failures = new List<string>();
        int passed = 0;
        foreach (var dir in dirs)
        {
            string name = ConformanceSuite.CaseName(dir);
            // Half-precision cases compare in their declared types (the declared-precision reference).
            bool half = name.Contains("float16", StringComparison.OrdinalIgnoreCase) || name.Contains("fp16", StringComparison.OrdinalIgnoreCase);
            var r = half
                ? ConformanceSuite.Run(dir, ExecutionPrecision.Declared, ConformanceSuite.Rtol, ConformanceSuite.Atol)
                : ConformanceSuite.Run(dir, ExecutionPrecision.Float64, TightRtol, TightAtol);
            if (r.Passed) passed++;
            else if (!exceptions.ContainsKey(name)) failures.Add($"{name}: {r.Detail}");
        }
        _out.WriteLine($"{passed} of {dirs.Count} pass in the reference modes; {exceptions.Count} listed exceptions");
        foreach (var f in failures) _out.WriteLine(f);
        Assert.True(failures.Count == 0, $"{failures.Count} cases fail in the reference mode:\n" + string.Join("\n", failures));
    }
}
