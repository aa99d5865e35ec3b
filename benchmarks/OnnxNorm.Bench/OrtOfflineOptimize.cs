using OnnxNorm.Ort;

namespace OnnxNorm.Bench;

/// <summary>
/// ORT's side of the load/save rows: build a session at the given optimisation level and let ORT write the
/// optimised model (ORT's offline optimisation). Our loader's validation is off, so only ORT is timed.
/// </summary>
public static class OrtOfflineOptimize
{
    public static int Run(string model, string output, string level)
    {
        var l = level switch
        {
            "disabled" => GraphOptimizationLevel.Disabled,
            "basic" => GraphOptimizationLevel.Basic,
            "extended" => GraphOptimizationLevel.Extended,
            "all" => GraphOptimizationLevel.All,
            _ => throw new ArgumentException($"unknown level {level}"),
        };
        using var s = OrtSession.FromFile(model, new OrtSessionOptions { OptimizationLevel = l, OptimizedModelPath = output, ValidateModel = false, IntraOpThreads = 1 });
        return 0;
    }
}
