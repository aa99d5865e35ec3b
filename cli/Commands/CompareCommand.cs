using System.CommandLine;
using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Ort;
using OnnxNorm.Workflows.Engines;

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
        var tolerance = new Option<string?>("--tolerance") { Description = "Use the fixed elementwise rule with this preset (strict, close or loose; per element type) instead of the noise-aware score." };
        var rtol = new Option<double?>("--rtol") { Description = "Use the fixed elementwise rule with this relative tolerance for floating-point outputs." };
        var atol = new Option<double?>("--atol") { Description = "Use the fixed elementwise rule with this absolute tolerance for floating-point outputs." };
        var engine = new Option<string>("--engine") { Description = "Engine that runs both models when B is given: ort (default) or native.", DefaultValueFactory = _ => EngineFactory.Ort };
        var perNode = new Option<bool>("--per-node") { Description = "Find the first node whose output differs (extra runs)." };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file ('-' for stdout)." };
        var threads = new Option<int>("--threads") { Description = "ORT threads per operator (0 = ORT's default).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("compare", "Check that two models compute the same outputs (ONNX Runtime, optimisations off).")
            { modelA, modelB, tolerance, rtol, atol, engine, perNode, json, threads };
        inputs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            string a = pr.GetValue(modelA)!;
            string? b = pr.GetValue(modelB);
            var policy = new TolerancePolicy(TolerancePolicy.ParsePreset(pr.GetValue(tolerance) ?? "close"), pr.GetValue(rtol), pr.GetValue(atol));
            // A tolerance on the command line asks for the fixed elementwise rule; otherwise the noise-aware score decides.
            var rule = pr.GetValue(tolerance) is null && pr.GetValue(rtol) is null && pr.GetValue(atol) is null ? EquivalenceRule.NoiseAware : EquivalenceRule.Elementwise;
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
                Rule = rule,
                Inputs = given,
                Shapes = inputs.Shapes(pr),
                Distribution = inputs.FloatDistribution(pr),
                PerNode = pr.GetValue(perNode),
                Session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = pr.GetValue(threads) },
            };
            string engineName = pr.GetValue(engine)!;
            if (engineName is not (EngineFactory.Ort or EngineFactory.Native)) throw new BadInputException($"--engine {engineName}: use ort or native");
            var report = ModelComparison.Compare(a, b, engineName, options);
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
