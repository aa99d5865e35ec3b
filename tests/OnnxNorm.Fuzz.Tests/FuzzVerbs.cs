namespace OnnxNorm.Fuzz.Tests;

/// <summary>The verbs every fuzz case goes through (every verb that reads a model), with the output file each may write.</summary>
public static class FuzzVerbs
{
    public static IEnumerable<(string[] Args, string? Output)> For(string input, string dir, FuzzSeed seed, string calibration)
    {
        yield return (new[] { "inspect", input }, null);
        yield return (new[] { "inspect", input, "--json" }, null);
        string converted = Path.Combine(dir, "converted.onnx");
        yield return (new[] { "convert", input, "-o", converted }, converted);
        string optimized = Path.Combine(dir, "optimized.onnx");
        yield return (new[] { "optimize", input, "-o", optimized, "--passes", "fold-bn,fold-bn-forward,bn-to-affine,clean-up" }, optimized);
        string frozen = Path.Combine(dir, "frozen.onnx");
        yield return (new[] { "freeze-bn", input, "-o", frozen }, frozen);
        yield return (new[] { "run", input, "--engine", "native", "--shape", seed.ShapeArgument }, null);
        yield return (new[] { "check-stats", input, "--data", $"{seed.InputName}={calibration}", "--no-root-cause" }, null);
    }
}
