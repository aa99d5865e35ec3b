using OnnxNorm.Ir;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Packaging.Tests;

public class QuickStartTests
{
    [Fact]
    public void The_library_quick_start_folds_every_bn_and_proves_the_result_equivalent()
    {
        string dir = TestData.NewTempDir();
        File.Copy(TestData.TestModel("convbn_small.onnx"), Path.Combine(dir, "model.onnx"));
        string previousDir = Directory.GetCurrentDirectory();
        var previousOut = Console.Out;
        var printed = new StringWriter();
        try
        {
            Directory.SetCurrentDirectory(dir);
            Console.SetOut(printed);
            QuickStart.Run();
        }
        finally
        {
            Console.SetOut(previousOut);
            Directory.SetCurrentDirectory(previousDir);
        }
        var lines = printed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("equivalent", lines[^1]);
        // One typed outcome per BN, each folded into its Conv.
        Assert.Equal(4, lines.Count(l => l.Contains(": folded ", StringComparison.Ordinal) && l.Contains("conv", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(lines, l => l.Contains(": left ", StringComparison.Ordinal));
        using var original = ModelLoader.Load(Path.Combine(dir, "model.onnx"));
        using var folded = ModelLoader.Load(Path.Combine(dir, "model.folded.onnx"));
        Assert.Equal(4, original.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
        Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }
}
