using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Optimize;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm optimize IN -o OUT [--passes a,b,c] [--verify] [--stop-after N] [--report FILE.json] [--force]`: run the pass pipeline.</summary>
public static class OptimizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The ONNX model to read (never modified)." };
        var output = CommonOptions.Output();
        var passes = new Option<string?>("--passes")
        {
            Description = $"Comma-separated passes to run, in order (default: {string.Join(",", PassRegistry.DefaultPipeline)}). Known: {string.Join(", ", PassRegistry.Default.Names)}.",
        };
        var verify = new Option<bool>("--verify") { Description = "Check graph invariants after every pass and compare the result with the original under ONNX Runtime (exit 1 if they differ)." };
        var report = new Option<string?>("--report") { Description = "Also write the summary as JSON to this file." };
        var fixedPoint = new Option<bool>("--fixed-point") { Description = "Repeat the pass list until nothing changes." };
        var arithmetic = new Option<string>("--bn-arithmetic")
        {
            Description = "The per-channel scale and shift BN rewrites use: 'inference' (default: the float32 constants an inference engine applies " +
                          "for the unfolded BN, so the folded model stays closest to it) or 'exact' (γ/√(σ²+ε) in double, closest to a float64 evaluation).",
            DefaultValueFactory = _ => "inference",
        };
        var stopAfter = new Option<int?>("--stop-after")
        {
            Description = "Apply only the first N patches (each fold or clean-up edit is one), then stop and say which patch was last. " +
                          "Bisect N with --verify to find the rewrite that breaks a model.",
        };
        var force = CommonOptions.Force();
        // --verify feeds both models the same seeded inputs; symbolic dims past the batch need --shape.
        var inputs = new InputOptions();
        var cmd = new Command("optimize", "Fold BatchNormalization into its neighbours and clean up the graph.")
            { input, output, passes, verify, report, fixedPoint, arithmetic, stopAfter, force, inputs.Seed, inputs.Shape };
        cmd.SetAction(pr => CliRunner.Run(() => Execute(
            pr.GetValue(input)!, pr.GetValue(output)!, pr.GetValue(passes), pr.GetValue(verify), pr.GetValue(report),
            pr.GetValue(fixedPoint), pr.GetValue(force), EquivalenceChecks.Default(pr.GetValue(inputs.Seed), inputs.Shapes(pr)),
            ParseArithmetic(pr.GetValue(arithmetic)!), pr.GetValue(stopAfter))));
        return cmd;
    }

    private static BatchNormArithmetic ParseArithmetic(string value) => value switch
    {
        "inference" => BatchNormArithmetic.Inference,
        "exact" => BatchNormArithmetic.Exact,
        _ => throw new BadInputException($"--bn-arithmetic: '{value}' is not one of inference, exact"),
    };

    internal static int Execute(string inputPath, string outputPath, string? passList, bool verify, string? reportPath,
        bool fixedPoint, bool force, IEquivalenceCheck? equivalence, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference,
        int? stopAfter = null)
    {
        if (stopAfter < 0) throw new BadInputException($"--stop-after: {stopAfter} is negative; give the number of patches to apply (0 or more)");
        var names = passList is null
            ? PassRegistry.DefaultPipeline.ToList()
            : passList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (names.Count == 0) throw new BadInputException("--passes: no pass named");
        var options = new OptimizeOptions { Passes = names, FixedPoint = fixedPoint, Arithmetic = arithmetic, Verify = verify, Equivalence = equivalence,
            StopAfterPatches = stopAfter };

        using var model = ModelLoader.Load(inputPath);
        // Every output is checked before any work, and again (all of them) before the first byte is written.
        OutputPolicy.Check(outputPath, "the output model", force);
        if (reportPath is not null) OutputPolicy.Check(reportPath, "the --report file", force);
        // The comparison runs before saving: one that cannot run (say, a symbolic dim without --shape) is bad
        // input and must not leave an output behind. A model that runs but differs is still written, so it
        // can be inspected; the exit code says it failed.
        var summary = ModelOptimizer.Optimize(model, options, inputPath, outputPath);
        var files = ModelSaver.Plan(model, outputPath, new SaveOptions { Force = force }).ToList();
        if (reportPath is not null)
            files.Add(new OutputFile(reportPath, "the --report file", s => s.Write(System.Text.Encoding.UTF8.GetBytes(JsonOutput.Serialize(summary) + "\n"))));
        OutputPolicy.WriteAll(files, force);
        Print(summary, verify, equivalence is not null);
        return summary.Verify?.Equivalence is { Equivalent: false } ? CliRunner.CheckFailed : CliRunner.Ok;
    }

    private static void Print(OptimizeReport s, bool verify, bool hasOrt)
    {
        var o = Console.Out;
        o.WriteLine($"optimized {s.Input} -> {s.Output} ({string.Join(", ", s.Passes)})");
        o.WriteLine($"batch norm  {s.BatchNormBefore} -> {s.BatchNormLeft} ({s.BatchNormRemoved} removed)");
        foreach (var (code, n) in s.Folded) o.WriteLine($"  {code,-28} {n,5}");
        if (s.Left.Count > 0)
        {
            o.WriteLine("left in place");
            foreach (var l in s.Left) o.WriteLine($"  {l.Node} ({l.Producer}, {l.Mode}): {l.ReasonCode}: {l.Reason}");
        }
        if (s.AffineFolded.Count > 0 || s.AffineLeft.Count > 0)
        {
            o.WriteLine($"per-channel Mul/Add/Sub/Div  {s.AffineFolded.Values.Sum()} folded, {s.AffineLeft.Count} left");
            foreach (var (code, n) in s.AffineFolded) o.WriteLine($"  {code,-28} {n,5}");
            foreach (var l in s.AffineLeft) o.WriteLine($"  left {l.Node}: {l.ReasonCode}: {l.Reason}");
        }
        if (s.Patches.Stopped)
            o.WriteLine($"stopped     after {s.Patches.Applied} patch(es) (--stop-after); last applied: {s.Patches.Last ?? "none"}");
        o.WriteLine($"nodes       {s.Nodes.Before:N0} -> {s.Nodes.After:N0}");
        o.WriteLine($"parameters  {s.Parameters.Before:N0} -> {s.Parameters.After:N0}");
        if (verify)
        {
            o.WriteLine("verify      graph invariants held after every patch and every pass");
            if (s.Verify?.Equivalence is { } e)
                o.WriteLine($"verify      {(e.Equivalent ? "equivalent" : "NOT EQUIVALENT")} under {s.Verify.Checker}: {e.Summary}");
            else if (!hasOrt)
                o.WriteLine("verify      ONNX Runtime comparison not available in this build (invariants only)");
        }
        o.WriteLine($"time        {s.ElapsedMs:N0} ms");
    }
}
