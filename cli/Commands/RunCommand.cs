using System.CommandLine;
using System.Globalization;
using System.Text;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;
using OnnxNorm.Workflows.Engines;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm run MODEL [--engine ort] [--input ...] [--output-dir DIR]`: runs a model once and writes each output as NAME.npy.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to run." };
        var engine = new Option<string>("--engine") { Description = "ort (ONNX Runtime), native (OnnxNorm's executor) or reference (native in float64).", DefaultValueFactory = _ => EngineFactory.Ort };
        var precision = new Option<string?>("--precision") { Description = "Native engine arithmetic: native (default), f64 (every float op in double) or declared (double, each node rounded to its declared type)." };
        var outputDir = new Option<string?>("--output-dir", "-o") { Description = "Write every output here as NAME.npy (created if missing)." };
        var optimization = new Option<string>("--optimization") { Description = "ORT graph optimisation: disabled (default), basic, extended or all.", DefaultValueFactory = _ => "disabled" };
        var threads = new Option<int>("--threads") { Description = "Threads per operator, ORT or native (0 = the engine's default: ORT's, or every core for native).", DefaultValueFactory = _ => 0 };
        var inputs = new InputOptions();
        var cmd = new Command("run", "Run a model on given or random inputs and write its outputs as .npy files.") { model, engine, precision, outputDir, optimization, threads };
        inputs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            string path = pr.GetValue(model)!;
            if (pr.GetValue(threads) < 0) throw new BadInputException("--threads cannot be negative");
            var sessionOptions = new OrtSessionOptions { OptimizationLevel = ParseLevel(pr.GetValue(optimization)!), IntraOpThreads = pr.GetValue(threads) };
            var given = inputs.ReadGiven(pr, InputOptions.ModelInputNames(path));
            string engineName = pr.GetValue(engine)!;
            // --precision alone means the native engine: ORT has no float64 reference mode.
            if (pr.GetValue(precision) is not null && pr.GetResult(engine) is not { Implicit: false }) engineName = EngineFactory.Native;
            var mode = pr.GetValue(precision) is { } p ? ExecutionPrecisionNames.Parse(p) : ExecutionPrecision.Native;
            using var e = EngineFactory.Create(engineName, path, sessionOptions, precision: mode);
            var (values, sources) = ComparisonInputs.Prepare(e.Inputs,
                new ComparisonOptions { Seed = pr.GetValue(inputs.Seed), Inputs = given, Shapes = inputs.Shapes(pr), Distribution = inputs.FloatDistribution(pr) });
            var outputs = e.Run(values);
            foreach (var (name, source) in sources) Console.Out.WriteLine($"input   {name}: {source}");
            var files = new List<OutputFile>();
            string? dir = pr.GetValue(outputDir);
            if (dir is not null) OutputPolicy.EnsureFolder(dir);
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, value) in outputs)
            {
                string line = $"output  {name}: {value}  {Preview(value)}";
                if (dir is not null)
                {
                    string file = Path.Combine(dir, UniqueFileName(name, used) + ".npy");
                    files.Add(new OutputFile(file, $"the output '{name}'", s => NpyFile.Write(s, value)));
                    line += $"  -> {file}";
                }
                Console.Out.WriteLine(line);
            }
            if (files.Count > 0) OutputPolicy.WriteAll(files, force: false);
            return CliRunner.Ok;
        }));
        return cmd;
    }

    public static GraphOptimizationLevel ParseLevel(string s) => s.ToLowerInvariant() switch
    {
        "disabled" or "none" => GraphOptimizationLevel.Disabled,
        "basic" => GraphOptimizationLevel.Basic,
        "extended" => GraphOptimizationLevel.Extended,
        "all" => GraphOptimizationLevel.All,
        _ => throw new BadInputException($"--optimization {s}: use disabled, basic, extended or all"),
    };

    /// <summary>An output name made safe as a file name: anything but letters, digits, '.', '-' and '_' becomes '_'.</summary>
    public static string SafeFileName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        string s = sb.ToString();
        if (s.Length == 0 || s.Trim('.').Length == 0) s = "_" + s;
        return s;
    }

    private static string UniqueFileName(string name, HashSet<string> used)
    {
        string baseName = SafeFileName(name);
        string candidate = baseName;
        for (int i = 2; !used.Add(candidate); i++) candidate = $"{baseName}_{i}";
        return candidate;
    }

    private static string Preview(TensorValue v)
    {
        if (v.ElementType == ElementType.String)
            return "[" + string.Join(", ", ((string[])v.Buffer).Take(Math.Min(v.Length, 4)).Select(s => $"\"{s}\"")) + (v.Length > 4 ? ", ..." : "") + "]";
        var d = v.HeadAsDoubles(4);
        return "[" + string.Join(", ", d.Select(x => x.ToString("G5", CultureInfo.InvariantCulture))) + (v.Length > 4 ? ", ..." : "") + "]";
    }
}
