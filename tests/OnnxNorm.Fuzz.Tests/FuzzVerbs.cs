namespace OnnxNorm.Fuzz.Tests;

/// <summary>The verbs every fuzz case goes through, with the output file each may write.</summary>
public static class FuzzVerbs
{
    public static IEnumerable<(string[] Args, string? Output)> For(string input, string dir)
    {
        yield return (new[] { "inspect", input }, null);
        yield return (new[] { "inspect", input, "--json" }, null);
        string converted = Path.Combine(dir, "converted.onnx");
        yield return (new[] { "convert", input, "-o", converted }, converted);
        string optimized = Path.Combine(dir, "optimized.onnx");
        yield return (new[] { "optimize", input, "-o", optimized, "--force" }, optimized);
        string frozen = Path.Combine(dir, "frozen.onnx");
        yield return (new[] { "freeze-bn", input, "-o", frozen }, frozen);
    }
}
