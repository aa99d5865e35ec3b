using OnnxNorm.Ir;
using System.Globalization;
using System.Text.Json;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;

namespace OnnxNorm.Bench;

/// <summary>
/// The README's benchmark rows. Each row runs OnnxNorm and ONNX Runtime in the same invocation, so a ratio
/// comes from one machine state. Whole processes are measured (wall time and peak RSS by GNU time);
/// latencies come from `onnxnorm bench` (median after warm-up) for both engines.
/// </summary>
public sealed class BenchmarkTable(string root, string model, int repeat, Launcher onnxnorm, Launcher self)
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("onnxnorm-bench").FullName;

    /// <summary>Only the corpus rows (`table --corpus-only`), for measuring them without the rest of the table.</summary>
    public void PrintCorpusRows()
    {
        Console.WriteLine("| row | OnnxNorm | ONNX Runtime 1.30 | OnnxNorm / ORT | goal |");
        Console.WriteLine("|---|---|---|---|---|");
        CorpusOptimizeRows.Print(root, repeat, onnxnorm, self, _tmp);
    }

    public void PrintAll()
    {
        double sizeMiB = new FileInfo(model).Length / 1048576.0;
        var baseline = ProcessMeasurement.Median(repeat, onnxnorm.Program, onnxnorm.With("inspect", Path.Combine(root, "testmodels", "convbn_small.onnx")));
        double budget = 2 * sizeMiB + baseline.PeakKiB / 1024.0;
        Console.WriteLine($"model: {Path.GetFileName(model)} ({sizeMiB:F1} MiB, 20 Conv+BN); runtime baseline {baseline.PeakKiB / 1024.0:F0} MiB peak (inspect of a 30 KB model); " +
                          $"memory budget 2 x file + baseline = {budget:F0} MiB; median of {repeat} runs; {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"| row | OnnxNorm | ONNX Runtime {OnnxNorm.Ort.OrtSession.RuntimeVersion} | OnnxNorm / ORT | goal |");
        Console.WriteLine("|---|---|---|---|---|");

        string converted = Path.Combine(_tmp, "converted.onnx"), ortSaved = Path.Combine(_tmp, "ort_disabled.onnx");
        ProcessRow("convert: load + save, whole process",
            ProcessMeasurement.MedianInterleaved(repeat,
                (onnxnorm.Program, onnxnorm.With("convert", model, "-o", converted, "--force")),
                (self.Program, self.With("ort-optimize", model, ortSaved, "disabled"))),
            "< 0.3 s, peak < budget");

        string folded = Path.Combine(_tmp, "folded.onnx"), ortBasic = Path.Combine(_tmp, "ort_basic.onnx");
        ProcessRow("optimize: load + fold BN + save, whole process (ORT: offline basic optimisation)",
            ProcessMeasurement.MedianInterleaved(repeat,
                (onnxnorm.Program, onnxnorm.With("optimize", model, "-o", folded, "--force")),
                (self.Program, self.With("ort-optimize", model, ortBasic, "basic"))),
            "faster than ORT, peak < budget");
        CorpusOptimizeRows.Print(root, repeat, onnxnorm, self, _tmp);

        // Precision at the logits. The fold's own arithmetic (`--bn-arithmetic exact`) is measured too.
        string exact = Path.Combine(_tmp, "folded_exact.onnx");
        ProcessMeasurement.Run(onnxnorm.Program, onnxnorm.With("optimize", model, "-o", exact, "--force", "--bn-arithmetic", "exact"));
        var (unfolded, errors) = LogitsError.Measure(model, new[] { folded, exact, ortBasic }, seeds: 4, batch: 8);
        var (ours, oursExact, fused) = (errors[0], errors[1], errors[2]);
        Row("fold precision: logits vs the unfolded model, mean (max) abs error; all in ORT with optimisations off, 4 seeds x 8 images",
            $"{ours.MeanVsOriginal:E2} ({ours.MaxVsOriginal:E2})", $"{fused.MeanVsOriginal:E2} ({fused.MaxVsOriginal:E2})",
            $"mean {ours.MeanVsOriginal / fused.MeanVsOriginal:F2}x, max {ours.MaxVsOriginal / fused.MaxVsOriginal:F2}x", "<= ORT's own fusion");
        Row($"fold precision: logits vs a float64 evaluation of the unfolded model, mean abs error (the unfolded float32 model's own: {unfolded.MeanVsFloat64:E2}); OnnxNorm default (--bn-arithmetic exact)",
            $"{ours.MeanVsFloat64:E2} ({oursExact.MeanVsFloat64:E2})", $"{fused.MeanVsFloat64:E2}",
            $"{ours.MeanVsFloat64 / fused.MeanVsFloat64:F2}x ({oursExact.MeanVsFloat64 / fused.MeanVsFloat64:F2}x)", "-");

        foreach (int threads in new[] { 1, 2 })
        {
            var (nativeMs, nativeMem) = Latency("native", threads);
            var (ortMs, ortMem) = Latency("ort", threads);
            Row($"inference latency 1x3x224x224, {threads} thread{(threads > 1 ? "s" : "")} (ORT: all optimisations); peak RSS of the bench process",
                $"{nativeMs:F1} ms, {nativeMem:F0} MiB", $"{ortMs:F1} ms, {ortMem:F0} MiB",
                $"time {nativeMs / ortMs:F2}x, memory {nativeMem / ortMem:F2}x", "time <= 2x (goal 1.2x); memory < ORT");
        }

        string data = CalibrationData(batches: 8, batch: 2);
        var native = CheckStatsTiming("native", data);
        var ort = CheckStatsTiming("ort", data);
        Row("check-stats overhead: statistics pass / plain inference over 8 batches of 2x3x224x224 (--no-root-cause: one pass)",
            $"{native:F2}x (native engine)", $"{ort:F2}x (ORT engine)", "-", "<= 1.3x");
    }

    private static void Row(string name, string a, string b, string ratio, string goal) =>
        Console.WriteLine($"| {name} | {a} | {b} | {ratio} | {goal} |");

    private static void ProcessRow(string name, (ProcessMeasurement A, ProcessMeasurement B) m, string goal) => ProcessRow(name, m.A, m.B, goal);

    private static void ProcessRow(string name, ProcessMeasurement a, ProcessMeasurement b, string goal) =>
        Row(name,
            string.Create(CultureInfo.InvariantCulture, $"{a.Seconds:F3} s, {a.PeakKiB / 1024.0:F0} MiB"),
            string.Create(CultureInfo.InvariantCulture, $"{b.Seconds:F3} s, {b.PeakKiB / 1024.0:F0} MiB"),
            string.Create(CultureInfo.InvariantCulture, $"time {a.Seconds / b.Seconds:F2}x, memory {(double)a.PeakKiB / b.PeakKiB:F2}x"),
            goal);

    private (double MedianMs, double PeakMiB) Latency(string engine, int threads)
    {
        var m = ProcessMeasurement.Run(onnxnorm.Program, onnxnorm.With("bench", model, "--engine", engine, "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--repeat", (8 * repeat).ToString(CultureInfo.InvariantCulture), "--warmup", "20", "--json"));
        using var doc = JsonDocument.Parse(m.StdOut);
        return (doc.RootElement.GetProperty("medianMs").GetDouble(), m.PeakKiB / 1024.0);
    }

    private string CalibrationData(int batches, int batch)
    {
        string dir = Path.Combine(_tmp, "calibration");
        Directory.CreateDirectory(dir);
        var rng = new DeterministicRandom(11);
        var shape = new long[] { batch, 3, 224, 224 };
        for (int b = 0; b < batches; b++)
        {
            var x = new float[TensorValue.ElementCount(shape)];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal();
            NpyFile.Write(Path.Combine(dir, $"batch_{b:D2}.npy"), TensorValue.FromFloats(shape, x));
        }
        return dir;
    }

    // check-stats --timing prints "ratio R" for its statistics pass against plain inference on the same engine.
    private double CheckStatsTiming(string engine, string data)
    {
        var ratios = new List<double>();
        for (int i = 0; i < Math.Max(3, repeat / 2); i++)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(onnxnorm.Program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in onnxnorm.With("check-stats", model, "--data", data, "--engine", engine, "--no-root-cause", "--timing")) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var line = err.Split('\n').FirstOrDefault(l => l.StartsWith("timing:", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"check-stats printed no timing line: {err.Trim()}");
            // "... ratio 0.938; whole check-stats ..." : the number after "ratio ", up to the ';'.
            string tail = line[(line.IndexOf("ratio ", StringComparison.Ordinal) + 6)..];
            ratios.Add(double.Parse(tail.Split(';')[0].Trim(), CultureInfo.InvariantCulture));
        }
        return Stats.Median(ratios);
    }
}
