using System.Globalization;
using System.Text.Json;

namespace OnnxNorm.Bench;

/// <summary>One model of the executor benchmark and the input arguments `onnxnorm bench` gets for it.</summary>
public sealed record CorpusBenchModel(string Name, string Path, string[] InputArgs);

/// <summary>
/// The executor benchmark over the real-model corpus (issue #13): for each model and thread count, `onnxnorm
/// bench --engine native` and `--engine ort` (all optimisations) run as separate processes, alternating, several
/// rounds; each process reports its median latency, GNU time its peak RSS. A row keeps the median over rounds of
/// both, so a noisy neighbour slows both engines rather than one.
/// </summary>
public sealed class CorpusBenchmark(Launcher onnxnorm, int rounds, int repeat, int warmup, int[] threads, int profiles)
{
    /// <summary>The torchvision exports of the corpus the issue names, in its order.</summary>
    public static readonly string[] CorpusNames =
    {
        "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "r3d_18",
        "deeplabv3_mobilenet_v3_large", "convnext_tiny",
    };

    public static IReadOnlyList<CorpusBenchModel> Models(string root, string corpusDir)
    {
        var list = new List<CorpusBenchModel>();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(corpusDir, "manifest.json")));
        var entries = doc.RootElement.GetProperty("models").EnumerateArray().ToList();
        foreach (string name in CorpusNames)
        {
            var e = entries.FirstOrDefault(m => m.GetProperty("name").GetString() == name && m.GetProperty("variant").GetString() == "eval");
            if (e.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"the corpus in {corpusDir} has no {name}.eval");
            var input = e.GetProperty("inputs")[0];
            list.Add(new CorpusBenchModel(name, System.IO.Path.Combine(corpusDir, e.GetProperty("file").GetString()!),
                new[] { "--input", $"{input.GetProperty("name").GetString()}={System.IO.Path.Combine(corpusDir, input.GetProperty("file").GetString()!)}" }));
        }
        // PaddleOCR's dynamic inputs get the sizes its pipeline feeds: a 640x640 page, a 48x320 text line.
        string ocr = System.IO.Path.Combine(root, ".cache", "npm", "ocr-models-1.4.2", "assets");
        list.Add(new CorpusBenchModel("PP-OCRv4 det 640x640", System.IO.Path.Combine(ocr, "ch_PP-OCRv4_det_infer.onnx"), new[] { "--shape", "x=1x3x640x640" }));
        list.Add(new CorpusBenchModel("PP-OCRv4 rec 48x320", System.IO.Path.Combine(ocr, "ch_PP-OCRv4_rec_infer.onnx"), new[] { "--shape", "x=1x3x48x320" }));
        list.Add(new CorpusBenchModel("PP-OCR cls 48x192", System.IO.Path.Combine(ocr, "ch_ppocr_mobile_v2.0_cls_infer.onnx"), new[] { "--shape", "x=1x3x48x192" }));
        foreach (var m in list)
            if (!File.Exists(m.Path)) throw new InvalidOperationException($"{m.Path} is missing (the corpus and the PaddleOCR models come with the build)");
        return list;
    }

    private sealed record Cell(double NativeMs, double OrtMs, double NativeMiB, double OrtMiB)
    {
        public double Ratio => NativeMs / OrtMs;
    }

    public void Print(IReadOnlyList<CorpusBenchModel> models)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores; per process {warmup} warm-up + {repeat} timed runs (median); " +
                          $"{rounds} processes per engine, alternating; medians over processes; peak RSS by GNU time");
        Console.WriteLine();
        string header = "| model |" + string.Concat(threads.Select(t => $" native {t}T ms | ORT {t}T ms | ratio {t}T |")) + " peak RSS native / ORT (MiB) |";
        Console.WriteLine(header);
        Console.WriteLine("|---|" + string.Concat(threads.Select(_ => "---|---|---|")) + "---|");
        var cells = new List<(CorpusBenchModel Model, Cell[] ByThreads)>();
        foreach (var m in models)
        {
            var row = threads.Select(t => Measure(m, t)).ToArray();
            cells.Add((m, row));
            double nMiB = row.Max(c => c.NativeMiB), oMiB = row.Max(c => c.OrtMiB);
            Console.WriteLine($"| {m.Name} |" + string.Concat(row.Select(c => F($" {c.NativeMs:F1} | {c.OrtMs:F1} | {c.Ratio:F2}x |"))) + F($" {nMiB:F0} / {oMiB:F0} |"));
        }
        Console.WriteLine("| **geometric mean** |" + string.Concat(threads.Select((_, i) =>
            F($" | | **{Math.Exp(cells.Average(c => Math.Log(c.ByThreads[i].Ratio))):F2}x** |"))) + " |");
        if (profiles <= 0) return;
        Console.WriteLine();
        foreach (var (m, row) in cells.OrderByDescending(c => c.ByThreads[0].Ratio).Take(profiles))
        {
            Console.WriteLine(F($"profile of {m.Name} (ms per run; native at {row[0].Ratio:F2}x ORT with {threads[0]} thread{(threads[0] > 1 ? "s" : "")}; FusedConv shares Conv's row):"));
            var byThreads = threads.Select(t => (Profile(m, "native", t), Profile(m, "ort", t))).ToList();
            foreach (var line in ProfileComparison.Table(threads, byThreads, maxRows: 12)) Console.WriteLine(line);
            Console.WriteLine();
        }
    }

    private Dictionary<string, double> Profile(CorpusBenchModel m, string engine, int t) =>
        ProfileComparison.Parse(ProcessMeasurement.Run(onnxnorm.Program, onnxnorm.With(Args(m, engine, t).Concat(new[] { "--profile", "--json" }).ToArray())).StdOut);

    private Cell Measure(CorpusBenchModel m, int t)
    {
        var native = new List<(double Ms, double MiB)>();
        var ort = new List<(double Ms, double MiB)>();
        for (int r = 0; r < rounds; r++)
        {
            native.Add(Once(m, "native", t));
            ort.Add(Once(m, "ort", t));
        }
        return new Cell(Stats.Median(native.Select(x => x.Ms)), Stats.Median(ort.Select(x => x.Ms)),
            Stats.Median(native.Select(x => x.MiB)), Stats.Median(ort.Select(x => x.MiB)));
    }

    private (double Ms, double MiB) Once(CorpusBenchModel m, string engine, int t)
    {
        var p = ProcessMeasurement.Run(onnxnorm.Program, onnxnorm.With(Args(m, engine, t).Append("--json").ToArray()));
        using var doc = JsonDocument.Parse(p.StdOut);
        return (doc.RootElement.GetProperty("medianMs").GetDouble(), p.PeakKiB / 1024.0);
    }

    private IEnumerable<string> Args(CorpusBenchModel m, string engine, int t) =>
        new[] { "bench", m.Path, "--engine", engine, "--threads", I(t), "--repeat", I(repeat), "--warmup", I(warmup) }.Concat(m.InputArgs);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
