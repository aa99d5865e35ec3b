// The README's library quick start, compiled here and run by QuickStartTests; ReadmeTests checks that the
// README shows exactly the lines between the two markers.
using OnnxNorm.Ir;
using OnnxNorm.Workflows.Optimize;

namespace OnnxNorm.Packaging.Tests;

public static class QuickStart
{
    /// <summary>Runs the quick start in the current directory, which holds model.onnx; returns what it printed.</summary>
    public static void Run()
    {
        // quick start begin
        using var model = ModelLoader.Load("model.onnx");
        // The default pipeline; Verify also checks the graph after every pass and runs compare's verdict
        // (ONNX Runtime, the original's float64 reference) on the rewritten model against the original.
        var report = ModelOptimizer.Optimize(model, new OptimizeOptions { Verify = true });
        foreach (var op in report.Outcomes)   // every BN and per-channel affine: folded into what, or left and why
            Console.WriteLine($"{op.Node}: {(op.Folded ? "folded" : "left")} {op.Code}: {op.Detail}");
        Console.WriteLine(report.Verify!.Equivalence!.Equivalent ? "equivalent" : "NOT equivalent");
        ModelSaver.Save(model, "model.folded.onnx");
        // quick start end
    }
}
