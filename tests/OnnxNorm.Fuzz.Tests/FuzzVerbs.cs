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
    }
}
