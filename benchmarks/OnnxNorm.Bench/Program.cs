using OnnxNorm.Bench;
using OnnxNorm.TestModels;

// bench/table.sh [--repeat K]: publishes the CLI and this harness as native (AOT) executables, then runs
//   table --onnxnorm EXE [--repeat K]
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
    // --onnxnorm EXE: the CLI to measure (bench/table.sh passes the native build); default: dotnet onnxnorm.dll beside this.
    string? exe = args.SkipWhile(a => a != "--onnxnorm").Skip(1).FirstOrDefault();
    var onnxnorm = exe is not null ? Launcher.Native(exe) : Launcher.Managed(Path.Combine(AppContext.BaseDirectory, "onnxnorm.dll"));
    var self = Launcher.Self();
    Console.WriteLine($"onnxnorm: {onnxnorm}; ORT harness: {self}");
    new BenchmarkTable(root, model, repeat, onnxnorm, self).PrintAll();
    return 0;
}
Console.Error.WriteLine("usage: OnnxNorm.Bench table [--repeat K] [--onnxnorm EXE] | ort-optimize MODEL OUT LEVEL");
return 2;

static string FindRepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "OnnxNorm.sln"))) return d.FullName;
    throw new InvalidOperationException("run from inside the OnnxNorm repository");
}
