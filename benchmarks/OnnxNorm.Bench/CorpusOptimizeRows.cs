using System.Diagnostics;
using System.Globalization;

namespace OnnxNorm.Bench;

/// <summary>
/// Benchmark rows on real PyTorch exports from the corpus (testmodels/corpus): `optimize` (canonicalize, fold
/// every BN and per-channel affine, clean up, save) against ORT's offline basic optimisation of the same file,
/// whole processes, interleaved, wall time and peak RSS.
/// </summary>
public static class CorpusOptimizeRows
{
    public static readonly string[] Models = { "resnet50", "convnext_tiny" };

    public static void Print(string root, int repeat, Launcher onnxnorm, Launcher self, string tmp)
    {
        string corpus = CorpusFolder(root);
        foreach (var name in Models)
        {
            string model = Path.Combine(corpus, $"{name}.eval.onnx");
            double mib = new FileInfo(model).Length / 1048576.0;
            string ours = Path.Combine(tmp, $"{name}.optimized.onnx"), theirs = Path.Combine(tmp, $"{name}.ort_basic.onnx");
            var (a, b) = ProcessMeasurement.MedianInterleaved(repeat,
                (onnxnorm.Program, onnxnorm.With("optimize", model, "-o", ours, "--force")),
                (self.Program, self.With("ort-optimize", model, theirs, "basic")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| optimize {name} (PyTorch export, {mib:F1} MiB): canonicalize + fold + save, whole process (ORT: offline basic optimisation) | " +
                $"{a.Seconds:F3} s, {a.PeakKiB / 1024.0:F0} MiB | {b.Seconds:F3} s, {b.PeakKiB / 1024.0:F0} MiB | " +
                $"time {a.Seconds / b.Seconds:F2}x, memory {(double)a.PeakKiB / b.PeakKiB:F2}x | faster and smaller than ORT |"));
        }
    }

    /// <summary>The corpus folder, built once per version of the export script (testmodels/corpus/build.sh).</summary>
    private static string CorpusFolder(string root)
    {
        var psi = new ProcessStartInfo("bash", new[] { Path.Combine(root, "testmodels", "corpus", "build.sh") }) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("testmodels/corpus/build.sh failed");
        return stdout.Trim().Split('\n').Last();
    }
}
