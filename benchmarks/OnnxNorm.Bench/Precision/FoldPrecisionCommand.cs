using OnnxNorm.TestModels;

namespace OnnxNorm.Bench.Precision;

/// <summary>
/// EXPERIMENT ONLY. `fold-precision`: builds the folded models of the ResNet-18-class benchmark model (ours
/// through `onnxnorm optimize`, ORT's through its offline basic optimisation, and each experimental recipe of
/// <see cref="FoldVariants"/>) under .cache/precision, then runs <see cref="FoldPrecisionExperiment"/>.
/// </summary>
public static class FoldPrecisionCommand
{
    public static int Run(string[] args, string root)
    {
        int Opt(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
        int seeds = Opt("--seeds", 32), first = Opt("--first-seed", 0), batch = Opt("--batch", 8);
        bool truth = args.Contains("--truth");
        // --model-seed N: the same architecture and statistics distributions with other weights (default: the benchmark model, seed 18)
        int modelSeed = Opt("--model-seed", 18);
        // --spread-var: every BN variance redrawn log-uniform in [1e-3, 10] (so across many binades, as in trained
        // models, instead of U(0.5, 1.5)), with γ rescaled so that each channel's γ/√(σ²+ε) is unchanged.
        bool spread = args.Contains("--spread-var");
        string sub = (modelSeed == 18 ? "" : $"model{modelSeed}") + (spread ? "spreadvar" : "");
        string dir = Path.Combine(root, ".cache", "precision", sub);
        Directory.CreateDirectory(dir);
        string model;
        if (modelSeed == 18 && !spread) model = GeneratedModels.ResNet18Like(Path.Combine(root, ".cache", "models"));
        else
        {
            model = Path.Combine(dir, $"resnet18_like_{sub}.onnx");
            if (!File.Exists(model))
            {
                var b = CnnModels.ResNet18Like((ulong)modelSeed);
                if (spread) SpreadVariances(b);
                b.Save(model);
            }
        }
        string bin = AppContext.BaseDirectory;

        var candidates = new List<(string Label, string Path)>();
        string ours = Path.Combine(dir, "ours.onnx");
        ProcessMeasurement.Run("dotnet", Path.Combine(bin, "onnxnorm.dll"), "optimize", model, "-o", ours, "--force");
        candidates.Add(("ours", ours));
        string ortBasic = Path.Combine(dir, "ort_basic.onnx");
        OrtOfflineOptimize.Run(model, ortBasic, "basic");
        candidates.Add(("ort-basic", ortBasic));
        foreach (var v in FoldVariants.Names)
        {
            string path = Path.Combine(dir, $"variant_{v}.onnx");
            FoldVariants.Write(model, v, path);
            candidates.Add((v, path));
        }
        FoldPrecisionExperiment.Run(model, candidates, seeds, first, batch, truth, dir, Path.Combine(dir, $"results_seeds{first}-{first + seeds - 1}.csv"));
        return 0;
    }

    private static void SpreadVariances(ModelBuilder b)
    {
        var rng = new OnnxNorm.Ir.DeterministicRandom(99);
        var inits = b.Graph.Initializer;
        foreach (var node in b.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            float eps = node.Attribute.First(a => a.Name == "epsilon").F;
            int gi = inits.ToList().FindIndex(t => t.Name == node.Input[1]);
            int vi = inits.ToList().FindIndex(t => t.Name == node.Input[4]);
            var g = Floats(inits[gi]); var v = Floats(inits[vi]);
            var g2 = new double[g.Length]; var v2 = new double[v.Length];
            for (int c = 0; c < g.Length; c++)
            {
                v2[c] = (float)Math.Pow(10, rng.Uniform(-3, 1));
                g2[c] = (float)(g[c] * Math.Sqrt(((double)(float)v2[c] + eps) / ((double)v[c] + eps)));
            }
            inits[gi] = ModelBuilder.MakeTensor(inits[gi].Name, OnnxNorm.Ir.ElementType.Float, inits[gi].Dims.ToArray(), g2);
            inits[vi] = ModelBuilder.MakeTensor(inits[vi].Name, OnnxNorm.Ir.ElementType.Float, inits[vi].Dims.ToArray(), v2);
        }
    }

    private static float[] Floats(OnnxNorm.Ir.Proto.TensorProto t) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
}
