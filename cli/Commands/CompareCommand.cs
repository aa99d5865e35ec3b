using System.CommandLine;
using System.Text.Json;
using OnnxNorm.Graph;
using OnnxNorm.Runtime.Comparison;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli.Commands;

/// <summary>
/// `onnxnorm compare A.onnx [B.onnx]`: runs A and B in ONNX Runtime (graph optimisations disabled) on the same
/// inputs and compares every output of the same name; with --per-node also finds the first diverging node.
/// Without B it compares OnnxNorm's native executor on A against ORT on A. Exit 0 equivalent, 1 not.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var modelA = new Argument<string>("a") { Description = "The model to check (A)." };
        var modelB = new Argument<string?>("b") { Description = "The reference model (B). Without it: native executor vs ORT on A.", Arity = ArgumentArity.ZeroOrOne };
        var inputs = new InputOptions();
        var tolerance = new Option<string>("--tolerance") { Description = "Preset: strict, close (default) or loose; per element type.", DefaultValueFactory = _ => "close" };
        var rtol = new Option<double?>("--rtol") { Description = "Relative tolerance for floating-point outputs (overrides the preset)." };
        var atol = new Option<double?>("--atol") { Description = "Absolute tolerance for floating-point outputs (overrides the preset)." };
        var perNode = new Option<bool>("--per-node") { Description = "Find the first node whose output differs (extra runs)." };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file ('-' for stdout)." };
        var threads = new Option<int>("--threads") { Description = "ORT threads per operator (0 = ORT's default).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("compare", "Check that two models compute the same outputs (ONNX Runtime, optimisations off).")
            { modelA, modelB, tolerance, rtol, atol, perNode, json, threads };
        inputs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            string a = pr.GetValue(modelA)!;
            string? b = pr.GetValue(modelB);
            var policy = new TolerancePolicy(TolerancePolicy.ParsePreset(pr.GetValue(tolerance)!), pr.GetValue(rtol), pr.GetValue(atol));
            if (policy.Rtol is < 0 || policy.Atol is < 0 || policy.Rtol is double.NaN || policy.Atol is double.NaN)
                throw new BadInputException("--rtol and --atol must be non-negative numbers");
            if (pr.GetValue(threads) < 0) throw new BadInputException("--threads cannot be negative");
            var given = inputs.ReadGiven(pr, InputOptions.ModelInputNames(a));
            if (b is not null) RunFiles.Read(b, "the model B");
            string? jsonFile = pr.GetValue(json) is { } j && j != "-" ? j : null;
            if (jsonFile is not null) OutputPolicy.Check(jsonFile, "the --json report", force: false);
            var options = new ComparisonOptions
            {
                Seed = pr.GetValue(inputs.Seed),
                Tolerance = policy,
                Inputs = given,
                Shapes = inputs.Shapes(pr),
                Distribution = inputs.FloatDistribution(pr),
                PerNode = pr.GetValue(perNode),
                Session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = pr.GetValue(threads) },
            };
            ComparisonReport report;
            if (b is not null)
            {
                report = OrtComparison.Compare(ModelSource.FromFile(a), ModelSource.FromFile(b), options);
            }
            else
            {
                if (options.PerNode) throw new BadInputException("--per-node needs two models (compare A.onnx B.onnx)");
                using var native = EngineFactory.Create(EngineFactory.Native, a, options.Session);
                using var ort = EngineFactory.Create(EngineFactory.Ort, a, options.Session);
                report = EngineComparison.Compare(native, ort, Path.GetFileName(a), Path.GetFileName(a), options, out _);
            }
            if (pr.GetValue(json) is { } jsonPath)
            {
                string text = JsonOutput.Serialize(report);
                if (jsonPath == "-") Console.Out.WriteLine(text);
                else OutputPolicy.Write(jsonPath, "the --json report", force: false, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text + "\n")));
            }
            if (pr.GetValue(json) != "-") ComparisonTable.Write(Console.Out, report);
            return report.Equivalent ? CliRunner.Ok : CliRunner.CheckFailed;
        }));
        return cmd;
    }
}
