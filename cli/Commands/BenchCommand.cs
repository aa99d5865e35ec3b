using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OnnxNorm.Graph;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm bench MODEL [--engine native|ort] [--threads N] [--repeat K] [--warmup W] [--shape ...] [--json]`: latency of one inference.</summary>
public static class BenchCommand
{
    public sealed record Report(string Model, string Engine, int Threads, int Warmup, int Repeat, double MedianMs, double MinMs, double MeanMs);

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model file." };
        var engine = new Option<string>("--engine") { Description = "native (default) or ort.", DefaultValueFactory = _ => "native" };
        var threads = new Option<int>("--threads") { Description = "Threads per inference.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first.", DefaultValueFactory = _ => 2 };
        var shape = new Option<string[]>("--shape") { Description = "Input shape, NAME=D1,D2,... (or D1,D2,... for one input); symbolic dims default to 1.", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Write {\"medianMs\", \"minMs\", ...} as JSON on stdout." };
        var cmd = new Command("bench", "Median and minimum latency of one inference after warm-up, on random inputs.") { model, engine, threads, repeat, warmup, shape, json };
        cmd.SetAction(pr => CliRunner.Run(() => Execute(pr.GetValue(model)!, Engines.Parse(pr.GetValue(engine)!), pr.GetValue(threads),
            pr.GetValue(repeat), pr.GetValue(warmup), pr.GetValue(shape) ?? Array.Empty<string>(), pr.GetValue(json))));
        return cmd;
    }

    private static int Execute(string path, EngineKind kind, int threads, int repeat, int warmup, string[] shapes, bool asJson)
    {
        if (threads < 1) throw new BadInputException($"--threads must be at least 1, not {threads}");
        if (repeat < 1) throw new BadInputException($"--repeat must be at least 1, not {repeat}");
        if (warmup < 0) throw new BadInputException($"--warmup must not be negative, not {warmup}");
        using var e = Engines.Open(kind, path, threads, optimize: true);
        var feeds = RandomInputs.Make(e.Inputs, RandomInputs.ParseShapes(shapes, e.Inputs));
        for (int i = 0; i < warmup; i++) e.Run(feeds);
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            e.Run(feeds);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        double median = repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
        var report = new Report(path, e.Name, threads, warmup, repeat, median, times[0], times.Average());
        if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(report, JsonOutput.Options));
        else Console.Out.WriteLine($"{e.Name}  threads {threads}  median {median:F3} ms  min {times[0]:F3} ms  ({repeat} runs after {warmup} warm-up)");
        return CliRunner.Ok;
    }
}
