using System.Globalization;

namespace OnnxNorm.Bench;

/// <summary>The README's benchmark rows. Each row runs OnnxNorm and ORT in the same invocation, so the ratio is from one machine state.</summary>
public sealed class BenchmarkTable(string root, string model, int repeat)
{
    private readonly string _bin = AppContext.BaseDirectory;
    private string Dotnet => "dotnet";
    private string OnnxNorm => Path.Combine(_bin, "onnxnorm.dll");
    private string Self => Path.Combine(_bin, "OnnxNorm.Bench.dll");
    private readonly string _tmp = Directory.CreateTempSubdirectory("onnxnorm-bench").FullName;

    public void PrintAll()
    {
        double sizeMiB = new FileInfo(model).Length / 1048576.0;
        var baseline = ProcessMeasurement.Median(repeat, Dotnet, OnnxNorm, "inspect", Path.Combine(root, "testmodels", "convbn_small.onnx"));
        Console.WriteLine($"model: {Path.GetFileName(model)} ({sizeMiB:F1} MiB); runtime baseline (inspect of a 30 KB model): {baseline.PeakKiB / 1024.0:F0} MiB peak; median of {repeat} runs");
        Console.WriteLine();
        Console.WriteLine("| row | OnnxNorm | ONNX Runtime 1.30 | ratio | goal |");
        Console.WriteLine("|---|---|---|---|---|");
        Row("convert (load + save, whole process)",
            () => ProcessMeasurement.Median(repeat, Dotnet, OnnxNorm, "convert", model, "-o", Path.Combine(_tmp, "c.onnx"), "--force"),
            () => ProcessMeasurement.Median(repeat, Dotnet, Self, "ort-optimize", model, Path.Combine(_tmp, "o.onnx"), "disabled"),
            sizeMiB, baseline, "< 0.3 s; peak < 2 x file + baseline");
    }

    private void Row(string name, Func<ProcessMeasurement> ours, Func<ProcessMeasurement> ort, double sizeMiB, ProcessMeasurement baseline, string goal)
    {
        var a = ours();
        var b = ort();
        double budget = 2 * sizeMiB + baseline.PeakKiB / 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {a.Seconds:F2} s, {a.PeakKiB / 1024.0:F0} MiB | {b.Seconds:F2} s, {b.PeakKiB / 1024.0:F0} MiB | time {a.Seconds / b.Seconds:F2}x, memory {(double)a.PeakKiB / b.PeakKiB:F2}x | {goal} (memory budget {budget:F0} MiB) |"));
    }
}
