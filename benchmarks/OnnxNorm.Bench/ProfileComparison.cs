using System.Globalization;
using System.Text.Json;

namespace OnnxNorm.Bench;

/// <summary>
/// The native and ORT `bench --profile --json` profiles of one model side by side: one row per op class (a Conv with its
/// kind, kernel and stride), ms per run for each engine and thread count, the rows where native loses most first.
/// </summary>
public static class ProfileComparison
{
    /// <summary>Op class → ms per run, from `onnxnorm bench --profile --json` output.</summary>
    public static Dictionary<string, double> Parse(string benchJson)
    {
        using var doc = JsonDocument.Parse(benchJson);
        var byOp = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in doc.RootElement.GetProperty("profile").EnumerateArray())
        {
            string op = CommonName(row.GetProperty("op").GetString()!);
            byOp[op] = byOp.GetValueOrDefault(op) + row.GetProperty("msPerRun").GetDouble();
        }
        return byOp;
    }

    // ORT's fused ops (FusedConv: a Conv with its activation or residual Add; FusedMatMul, FusedGemm) do what the native
    // executor's fused steps do, which it profiles under the plain op: they share a row. So does ORT's NCHWc Upsample,
    // which is how it runs a Resize.
    public static string CommonName(string op) =>
        op == "Upsample" ? "Resize" : op.StartsWith("Fused", StringComparison.Ordinal) ? op["Fused".Length..] : op;

    /// <summary>A markdown table; <paramref name="profiles"/> holds (native, ORT) per thread count; ordered by the first's gap.</summary>
    public static IEnumerable<string> Table(int[] threads, IReadOnlyList<(Dictionary<string, double> Native, Dictionary<string, double> Ort)> profiles, int maxRows)
    {
        var ops = profiles.SelectMany(p => p.Native.Keys.Concat(p.Ort.Keys)).Distinct().ToList();
        double Gap(string op) => profiles[0].Native.GetValueOrDefault(op) - profiles[0].Ort.GetValueOrDefault(op);
        yield return "| op class |" + string.Concat(threads.Select(t => $" native {t}T ms | ORT {t}T ms |"));
        yield return "|---|" + string.Concat(threads.Select(_ => "---|---|"));
        foreach (string op in ops.OrderByDescending(Gap).Take(maxRows))
            yield return $"| {op} |" + string.Concat(profiles.Select(p => $" {Ms(p.Native, op)} | {Ms(p.Ort, op)} |"));
        yield return "| all ops |" + string.Concat(profiles.Select(p => F($" {p.Native.Values.Sum():F2} | {p.Ort.Values.Sum():F2} |")));
    }

    private static string Ms(Dictionary<string, double> profile, string op) => profile.TryGetValue(op, out double ms) ? F($"{ms:F2}") : "";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
