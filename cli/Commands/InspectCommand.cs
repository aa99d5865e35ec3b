using System.CommandLine;
using System.Text.Json;
using OnnxNorm.Graph;

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
        if (asJson)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(summary, JsonOutput.Options));
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
        return CliRunner.Ok;
    }
}
