using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxNorm.Ir;
using OnnxNorm.Passes;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm inspect MODEL [--json]`: what a model is made of.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model file." };
        var json = new Option<bool>("--json") { Description = "Write the report as JSON on stdout." };
        var cmd = new Command("inspect", "Show IR version, opsets, inputs/outputs, op counts, parameters.") { model, json };
        cmd.SetAction(pr => CliRunner.Run(() => Execute(pr.GetValue(model)!, pr.GetValue(json))));
        return cmd;
    }

    private static int Execute(string path, bool asJson)
    {
        using var m = ModelLoader.Load(path);
        var summary = ModelSummary.Of(m, path);
        var batchNorms = BatchNormAnalysis.Of(m);
        var affines = AffineAnalysis.Of(m);
        if (asJson)
        {
            var json = JsonSerializer.SerializeToNode(summary, JsonOutput.TypeInfo<ModelSummary>())!.AsObject();
            json["batchNorm"] = JsonSerializer.SerializeToNode(batchNorms, JsonOutput.TypeInfo<IReadOnlyList<BatchNormReport>>());
            json["affine"] = JsonSerializer.SerializeToNode(affines, JsonOutput.TypeInfo<IReadOnlyList<AffineReport>>());
            Console.Out.WriteLine(json.ToJsonString(JsonOutput.Options));
            return CliRunner.Ok;
        }
        var o = Console.Out;
        o.WriteLine($"model     {summary.File}");
        o.WriteLine($"ir        {summary.IrVersion}");
        o.WriteLine($"opsets    {string.Join(", ", summary.Opsets.Select(kv => $"{kv.Key} {kv.Value}"))}");
        o.WriteLine($"producer  {summary.Producer}");
        o.WriteLine("inputs");
        foreach (var v in summary.Inputs) o.WriteLine($"  {v}");
        o.WriteLine("outputs");
        foreach (var v in summary.Outputs) o.WriteLine($"  {v}");
        o.WriteLine($"nodes     {summary.NodeCount} ({summary.Subgraphs} subgraphs)");
        o.WriteLine($"params    {summary.ParameterCount:N0} ({summary.ParameterBytes:N0} bytes, {summary.ExternalTensors} external tensors)");
        o.WriteLine("ops");
        foreach (var (op, n) in summary.Ops.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            o.WriteLine($"  {op,-28} {n,6}");
        PrintBatchNorms(o, batchNorms);
        PrintAffines(o, affines);
        return CliRunner.Ok;
    }

    // One line per BN (what fold-bn would do with it, by the pass's own decision), then its lint findings.
    private static void PrintBatchNorms(TextWriter o, IReadOnlyList<BatchNormReport> reports)
    {
        o.WriteLine($"batch norm  {reports.Count} ({reports.Count(r => r.Foldable)} foldable by fold-bn, {reports.Count(r => r.Mode == "training")} in training mode)");
        foreach (var r in reports)
        {
            string fold = r.Foldable ? $"fold-bn: into {r.FoldInto}"
                : $"fold-bn: no, {r.RefusalCode}: {r.RefusalReason}{(r.ForwardFoldInto is { } f ? $"; fold-bn-forward: into {f}" : "")}";
            o.WriteLine($"  {r.Node}{(r.Subgraph is { } sg ? $" (in {sg})" : "")}  producer {r.Producer}, {r.Mode} ({r.ModeReason}); {fold}");
            foreach (var l in r.Lints)
            {
                string channels = l.Channels is { Count: > 0 } ch ? $" [channels {string.Join(", ", ch.Take(16))}{(ch.Count > 16 ? ", ..." : "")}]" : "";
                o.WriteLine($"    {l.Severity.ToString().ToLowerInvariant()} {l.Code}: {l.Message}{channels}");
            }
        }
    }

    // One line per per-channel Mul/Add/Sub/Div by a constant: what fold-affine's first sweep does with it.
    private static void PrintAffines(TextWriter o, IReadOnlyList<AffineReport> reports)
    {
        if (reports.Count == 0) return;
        o.WriteLine($"per-channel Mul/Add/Sub/Div  {reports.Count} ({reports.Count(r => r.Foldable)} foldable by fold-affine)");
        foreach (var r in reports)
            o.WriteLine(r.Foldable ? $"  {r.Node} ({r.Op}): fold-affine: {r.FoldInto}" : $"  {r.Node} ({r.Op}): fold-affine: no, {r.RefusalCode}: {r.RefusalReason}");
    }
}
