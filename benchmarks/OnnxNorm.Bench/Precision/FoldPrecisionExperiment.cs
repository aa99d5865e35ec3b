using System.Globalization;
using System.Text;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;

namespace OnnxNorm.Bench.Precision;

/// <summary>
/// EXPERIMENT ONLY (issue #4 precision study). Runs the unfolded original and several folded models in ORT
/// with graph optimisations disabled on the inputs `onnxnorm compare --seed S --shape input=BxCxHxW` would
/// generate, and reports the logits error of each folded model against (a) the unfolded original run in
/// ORT float32, the issue's criterion, and (b) optionally a double-precision evaluation of the original
/// (<see cref="DoubleReference"/>), the "true" output. Per-seed numbers go to a CSV for later analysis.
/// </summary>
public static class FoldPrecisionExperiment
{
    /// <param name="candidates">label → folded model path; "original" is the unfolded model.</param>
    public static void Run(string original, IReadOnlyList<(string Label, string Path)> candidates, int seeds, int firstSeed, int batch,
        bool truth, string cacheDir, string csvPath)
    {
        var session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, ValidateModel = false };
        using var orig = OrtEngine.FromFile(original, session);
        var engines = candidates.Select(c => (c.Label, Engine: OrtEngine.FromFile(c.Path, session))).ToList();
        DoubleReference? reference = null;
        Model? refModel = null;
        if (truth)
        {
            refModel = ModelLoader.Load(original);
            reference = new DoubleReference(refModel, Environment.ProcessorCount);
        }
        var options = new ComparisonOptions { Shapes = ShapeOverrides.Parse(new[] { $"input={batch}x3x224x224" }) };
        var csv = new StringBuilder("seed,image,model,vs,meanAbs,maxAbs\n");
        // per (model, vs): per-seed mean and max, per-image means
        var perSeed = new Dictionary<(string Model, string Vs), List<(double Mean, double Max)>>();
        var perImage = new Dictionary<(string Model, string Vs), List<double>>();
        // against the f64 truth t: the least-squares slope of the error e = y - t on t (a uniform relative scale bias)
        var slope = new Dictionary<string, (double Et, double Tt)>();
        void Add(int seed, string model, string vs, float[] got, double[] want, int images)
        {
            int per = got.Length / images;
            double sum = 0, max = 0;
            for (int im = 0; im < images; im++)
            {
                double s = 0, m = 0;
                for (int i = im * per; i < (im + 1) * per; i++)
                {
                    double e = Math.Abs(got[i] - want[i]);
                    s += e;
                    m = Math.Max(m, e);
                }
                sum += s;
                max = Math.Max(max, m);
                csv.Append(CultureInfo.InvariantCulture, $"{seed},{im},{model},{vs},{s / per:R},{m:R}\n");
                (perImage.TryGetValue((model, vs), out var l) ? l : perImage[(model, vs)] = new()).Add(s / per);
            }
            csv.Append(CultureInfo.InvariantCulture, $"{seed},all,{model},{vs},{sum / got.Length:R},{max:R}\n");
            if (vs == "f64")
            {
                double et = 0, tt = 0;
                for (int i = 0; i < got.Length; i++) { et += (got[i] - want[i]) * want[i]; tt += want[i] * want[i]; }
                var (a, b) = slope.GetValueOrDefault(model);
                slope[model] = (a + et, b + tt);
            }
            (perSeed.TryGetValue((model, vs), out var ls) ? ls : perSeed[(model, vs)] = new()).Add((sum / got.Length, max));
        }

        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (inputs, _) = ComparisonInputs.Prepare(orig.Inputs, options with { Seed = (ulong)seed });
            string outName = orig.Outputs[0].Name;
            float[] baseLogits = (float[])orig.Run(inputs)[outName].Buffer;
            double[] baseD = baseLogits.Select(v => (double)v).ToArray();
            var outs = engines.Select(e => (e.Label, Logits: (float[])e.Engine.Run(inputs)[outName].Buffer)).ToList();
            double ortSec = sw.Elapsed.TotalSeconds;
            foreach (var (label, logits) in outs) Add(seed, label, "orig-f32", logits, baseD, batch);
            if (reference is not null)
            {
                double[] t = TruthFor(reference, inputs.Values.Single(), cacheDir, original, seed);
                Add(seed, "original", "f64", baseLogits, t, batch);
                foreach (var (label, logits) in outs) Add(seed, label, "f64", logits, t, batch);
            }
            var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"seed {seed,3} ({ortSec:F1}s ort, {sw.Elapsed.TotalSeconds:F1}s total):"));
            foreach (var (label, _) in outs) line.Append(CultureInfo.InvariantCulture, $" {label} {perSeed[(label, "orig-f32")][^1].Mean:E3}");
            Console.WriteLine(line);
            File.WriteAllText(csvPath, csv.ToString());
        }
        Summarise(candidates.Select(c => c.Label).ToList(), perSeed, perImage, truth);
        if (slope.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("uniform scale bias against the f64 truth: least-squares slope of (logits - truth) on truth:");
            foreach (var (model, (et, tt)) in slope)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {model,-12} slope {et / tt:+0.000E+00;-0.000E+00}"));
        }
        foreach (var (_, e) in engines) e.Dispose();
        refModel?.Dispose();
    }

    private static double[] TruthFor(DoubleReference reference, TensorValue input, string cacheDir, string original, int seed)
    {
        string tag = $"{Path.GetFileNameWithoutExtension(original)}_{new FileInfo(original).Length}_{string.Join('x', input.Shape)}_seed{seed}";
        string file = Path.Combine(cacheDir, $"truth_{tag}.f64");
        if (File.Exists(file))
        {
            var bytes = File.ReadAllBytes(file);
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray();
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = reference.Run((float[])input.Buffer, input.Shape);
        Console.Error.WriteLine($"  f64 reference for seed {seed}: {sw.Elapsed.TotalSeconds:F1}s");
        Directory.CreateDirectory(cacheDir);
        File.WriteAllBytes(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.AsSpan()).ToArray());
        return r;
    }

    private static void Summarise(List<string> labels, Dictionary<(string Model, string Vs), List<(double Mean, double Max)>> perSeed,
        Dictionary<(string Model, string Vs), List<double>> perImage, bool truth)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (string vs in truth ? new[] { "orig-f32", "f64" } : new[] { "orig-f32" })
        {
            Console.WriteLine();
            Console.WriteLine(vs == "orig-f32"
                ? "## logits error vs the unfolded original in ORT float32 (the issue's criterion)"
                : "## logits error vs the double-precision evaluation of the original (the true output)");
            var rows = vs == "f64" ? new[] { "original" }.Concat(labels).ToList() : labels;
            Console.WriteLine("| model | mean of per-seed mean abs | sd over seeds | mean of per-seed max | max of max |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (var m in rows)
            {
                var l = perSeed[(m, vs)];
                Console.WriteLine(string.Create(inv,
                    $"| {m} | {l.Average(x => x.Mean):E3} | {Sd(l.Select(x => x.Mean)):E2} | {l.Average(x => x.Max):E3} | {l.Max(x => x.Max):E3} |"));
            }
            if (!labels.Contains("ort-basic")) continue;
            Console.WriteLine();
            Console.WriteLine("ratios to ORT's basic fusion (paired per seed; 95% CI from a t interval over seeds; per image over all images):");
            foreach (var m in labels.Where(x => x != "ort-basic"))
            {
                var a = perSeed[(m, vs)]; var b = perSeed[("ort-basic", vs)];
                var meanRatios = a.Zip(b, (x, y) => x.Mean / y.Mean).ToList();
                var maxRatios = a.Zip(b, (x, y) => x.Max / y.Max).ToList();
                var imgRatios = perImage[(m, vs)].Zip(perImage[("ort-basic", vs)], (x, y) => x / y).ToList();
                var (lo, hi) = Ci(meanRatios);
                var (ilo, ihi) = Ci(imgRatios);
                // log-ratio is the symmetric way to average ratios; report its geometric mean too
                double geo = Math.Exp(meanRatios.Average(Math.Log));
                Console.WriteLine(string.Create(inv,
                    $"  {m,-12} mean-abs ratio: mean {meanRatios.Average():F4} [{lo:F4}, {hi:F4}], geo {geo:F4}, ratio of means {a.Average(x => x.Mean) / b.Average(x => x.Mean):F4}, " +
                    $"seeds better {meanRatios.Count(r => r < 1)}/{meanRatios.Count}; per image mean {imgRatios.Average():F4} [{ilo:F4}, {ihi:F4}] better {imgRatios.Count(r => r < 1)}/{imgRatios.Count}; " +
                    $"max-abs ratio: mean {maxRatios.Average():F3}, seeds better {maxRatios.Count(r => r < 1)}/{maxRatios.Count}"));
                if (m == "ours")
                    Console.WriteLine("    per-seed mean-abs ratios ours/ort-basic: " + string.Join(" ", meanRatios.Select(r => r.ToString("F3", inv))));
            }
        }
    }

    private static double Sd(IEnumerable<double> xs)
    {
        var v = xs.ToArray();
        double m = v.Average();
        return v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
    }

    private static (double Lo, double Hi) Ci(IReadOnlyList<double> xs)
    {
        double m = xs.Average(), se = Sd(xs) / Math.Sqrt(xs.Count);
        double t = xs.Count switch { <= 4 => 3.182, <= 8 => 2.365, <= 16 => 2.131, <= 32 => 2.04, _ => 1.97 };
        return (m - t * se, m + t * se);
    }
}
