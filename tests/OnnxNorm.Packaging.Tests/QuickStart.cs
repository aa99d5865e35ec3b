// The README's library quick start, compiled here and run by QuickStartTests; ReadmeTests checks that the
// README shows exactly the lines between the two markers.
using OnnxNorm.Graph;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Comparison;

namespace OnnxNorm.Packaging.Tests;

public static class QuickStart
{
    /// <summary>Runs the quick start in the current directory, which holds model.onnx; returns what it printed.</summary>
    public static void Run()
    {
        // quick start begin
        using (var model = ModelLoader.Load("model.onnx"))
        {
            var result = PassPipeline.FromNames(PassRegistry.DefaultPipeline, new PipelineOptions { Verify = true }).Run(model);
            foreach (var d in result.Diagnostics) Console.WriteLine(d);   // folds done, folds refused and why
            ModelSaver.Save(model, "model.folded.onnx");
        }

        // ONNX Runtime runs both models on the same seeded inputs and compares every output.
        var report = OrtComparison.Compare("model.onnx", "model.folded.onnx");
        Console.WriteLine(report.Equivalent ? "equivalent" : "NOT equivalent");
        // quick start end
    }
}
