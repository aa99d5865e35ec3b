using System.Diagnostics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ort.Tests;

/// <summary>Process-wide measurements: nothing else may run meanwhile.</summary>
[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryTestsCollection { }

[Collection(nameof(MemoryTests))]
public class MemoryTests
{
    [Fact]
    public void Ten_thousand_runs_keep_memory_flat()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, "n", 64);
        b.Initializer("w", Enumerable.Range(0, 64).Select(i => (float)i).ToArray(), 64);
        b.Op("Relu", "y", b.Op("Mul", "xw", "x", "w"));
        b.Output("y", ElementType.Float, "n", 64);
        using var s = OrtSession.FromBytes(b.ToBytes(), new OrtSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });
        // 16 KiB in and out per run: a leaked input or output OrtValue would add 160 MB over the loop.
        var x = TensorValue.FromFloats(new long[] { 64, 64 }, Enumerable.Range(0, 4096).Select(i => (float)(i % 7 - 3)).ToArray());
        var inputs = new Dictionary<string, TensorValue> { ["x"] = x };
        for (int i = 0; i < 500; i++) s.Run(inputs); // warm up ORT's arena and the JIT

        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        long rssBefore = process.WorkingSet64;
        float check = 0;
        for (int i = 0; i < 10_000; i++) check += s.Run(inputs)["y"].AsSpan<float>()[68];
        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        long rssAfter = process.WorkingSet64;

        // Element 68 is row 1, column 4: x = 68 % 7 - 3 = 2, w = 4, so relu(2 * 4) = 8 on every run.
        Assert.Equal(80_000f, check);
        Assert.True(managedAfter - managedBefore < 2 << 20, $"managed heap grew by {(managedAfter - managedBefore) / 1024} KiB");
        Assert.True(rssAfter - rssBefore < 24 << 20, $"working set grew by {(rssAfter - rssBefore) / 1024} KiB");
    }
}
