using OnnxNorm.Bench;
using OnnxNorm.TestModels;

// bench/table.sh [--repeat K]: publishes the CLI and this harness as native (AOT) executables, then runs
//   table --onnxnorm EXE [--repeat K] [--corpus-only]
//   prints the README benchmark table (each row measured against ONNX Runtime in the same run).
// dotnet run -c Release --project benchmarks/OnnxNorm.Bench -- ort-optimize MODEL OUT LEVEL
//   ORT's offline optimisation, the ORT side of the load/save rows.
if (args.Length >= 4 && args[0] == "ort-optimize") return OrtOfflineOptimize.Run(args[1], args[2], args[3]);
// Precision study of issue #4 (experiment code, see Precision/):
//   fold-variant MODEL VARIANT OUT        folds with one experimental arithmetic recipe (FoldVariants.Names)
//   compare-weights A B                   counts folded Conv weights/biases whose bits differ (Convs matched by name)
//   check-bn-kernel                       checks ORT's BatchNorm kernel arithmetic against float32 recipes
//   scale-stats MODEL                     per-channel fold multiplier of each recipe vs ORT's BN kernel
//   fold-precision [--seeds N] [--first-seed K] [--batch B] [--truth] [--model-seed M] [--spread-var]
if (args.Length >= 4 && args[0] == "fold-variant") { OnnxNorm.Bench.Precision.FoldVariants.Write(args[1], args[2], args[3]); return 0; }
if (args.Length >= 3 && args[0] == "compare-weights") { OnnxNorm.Bench.Precision.FoldVariants.CompareWeights(args[1], args[2]); return 0; }
if (args.Length >= 1 && args[0] == "check-bn-kernel")
{
    OnnxNorm.Bench.Precision.BatchNormKernelCheck.Run(GeneratedModels.ResNet18Like(Path.Combine(FindRepoRoot(), ".cache", "models")));
    return 0;
}
if (args.Length >= 2 && args[0] == "scale-stats") { OnnxNorm.Bench.Precision.FoldVariants.ScaleStats(args[1]); return 0; }
if (args.Length >= 1 && args[0] == "fold-precision") return OnnxNorm.Bench.Precision.FoldPrecisionCommand.Run(args.Skip(1).ToArray(), FindRepoRoot());
if (args.Length >= 1 && args[0] == "table")
{
    int repeat = args.SkipWhile(a => a != "--repeat").Skip(1).Select(int.Parse).FirstOrDefault(5);
    string root = FindRepoRoot();
    string cache = Path.Combine(root, ".cache", "models");
    string model = GeneratedModels.ResNet18Like(cache);
    // --onnxnorm EXE: the CLI to measure (bench/table.sh passes the native build); default: dotnet onnxnorm.dll beside this.
    string? exe = args.SkipWhile(a => a != "--onnxnorm").Skip(1).FirstOrDefault();
    var onnxnorm = exe is not null ? Launcher.Native(exe) : Launcher.Managed(Path.Combine(AppContext.BaseDirectory, "onnxnorm.dll"));
    var self = Launcher.Self();
    Console.WriteLine($"onnxnorm: {onnxnorm}; ORT harness: {self}");
    var table = new BenchmarkTable(root, model, repeat, onnxnorm, self);
    if (args.Contains("--corpus-only")) table.PrintCorpusRows();
    else table.PrintAll();
    return 0;
}
// bench/corpus.sh [--rounds R] [--repeat K] [--warmup W] [--threads 1,2] [--only NAME,...] [--profiles N]:
//   corpus --onnxnorm EXE --corpus DIR ...: native vs ORT latency over the real-model corpus (issue #13).
if (args.Length >= 1 && args[0] == "corpus")
{
    string? Opt(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
    string root = FindRepoRoot();
    var onnxnorm = Launcher.Native(Opt("--onnxnorm") ?? throw new ArgumentException("corpus needs --onnxnorm EXE"));
    var models = CorpusBenchmark.Models(root, Opt("--corpus") ?? throw new ArgumentException("corpus needs --corpus DIR"));
    if (Opt("--only") is { } only)
    {
        var wanted = only.Split(',');
        models = models.Where(m => wanted.Any(w => m.Name.StartsWith(w, StringComparison.Ordinal))).ToList();
    }
    int[] threads = (Opt("--threads") ?? "1,2").Split(',').Select(int.Parse).ToArray();
    new CorpusBenchmark(onnxnorm, rounds: int.Parse(Opt("--rounds") ?? "3"), repeat: int.Parse(Opt("--repeat") ?? "7"),
        warmup: int.Parse(Opt("--warmup") ?? "3"), threads, profiles: int.Parse(Opt("--profiles") ?? "3")).Print(models);
    return 0;
}
Console.Error.WriteLine("usage: OnnxNorm.Bench table [--repeat K] [--onnxnorm EXE] | corpus --onnxnorm EXE --corpus DIR | ort-optimize MODEL OUT LEVEL");
return 2;

static string FindRepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "OnnxNorm.sln"))) return d.FullName;
    throw new InvalidOperationException("run from inside the OnnxNorm repository");
}
