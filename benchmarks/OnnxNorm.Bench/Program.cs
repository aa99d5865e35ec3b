using OnnxNorm.Bench;
using OnnxNorm.TestModels;

// bench/table.sh [--repeat K] (publishes this project ReadyToRun, then runs: table [--repeat K])
//   prints the README benchmark table (each row measured against ONNX Runtime in the same run).
// dotnet run -c Release --project benchmarks/OnnxNorm.Bench -- ort-optimize MODEL OUT LEVEL
//   ORT's offline optimisation, the ORT side of the load/save rows.
if (args.Length >= 4 && args[0] == "ort-optimize") return OrtOfflineOptimize.Run(args[1], args[2], args[3]);
if (args.Length >= 1 && args[0] == "table")
{
    int repeat = args.SkipWhile(a => a != "--repeat").Skip(1).Select(int.Parse).FirstOrDefault(5);
    string root = FindRepoRoot();
    string cache = Path.Combine(root, ".cache", "models");
    string model = GeneratedModels.ResNet18Like(cache);
    new BenchmarkTable(root, model, repeat).PrintAll();
    return 0;
}
Console.Error.WriteLine("usage: OnnxNorm.Bench table [--repeat K] | ort-optimize MODEL OUT LEVEL");
return 2;

static string FindRepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "OnnxNorm.sln"))) return d.FullName;
    throw new InvalidOperationException("run from inside the OnnxNorm repository");
}
