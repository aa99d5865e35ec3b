using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OnnxNorm.Ir;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;
using OnnxNorm.Workflows.Engines;

namespace OnnxNorm.Cli.Commands;

/// <summary>
/// `onnxnorm bench MODEL [--engine native|ort] [--threads N] [--repeat K] [--warmup W] [--shape ...] [--json]`:
/// the latency of one inference (median and minimum of K timed runs after W warm-up runs) on seeded random
/// or given inputs. ORT runs with all graph optimisations on.
/// </summary>
public static class BenchCommand
{
    public sealed record Report(string Model, string Engine, int Threads, int Warmup, int Repeat, double MedianMs, double MinMs, double MeanMs);

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model file." };
        var engine = new Option<string>("--engine") { Description = "native (default) or ort.", DefaultValueFactory = _ => EngineFactory.Native };
        var threads = new Option<int>("--threads") { Description = "Threads per inference.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs (default 10).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first (default 10: .NET's tiered JIT needs them before timings settle).", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Write {\"medianMs\", \"minMs\", ...} as JSON on stdout." };
        var profile = new Option<bool>("--profile") { Description = "Native engine: also print the time per op type over the timed runs." };
        var inputs = new InputOptions();
        var cmd = new Command("bench", "Median and minimum latency of one inference after warm-up.") { model, engine, threads, repeat, warmup, json, profile };
        inputs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            string path = pr.GetValue(model)!;
            int n = pr.GetValue(threads), k = pr.GetValue(repeat), w = pr.GetValue(warmup);
            if (n < 1) throw new BadInputException($"--threads must be at least 1, not {n}");
            if (k < 1) throw new BadInputException($"--repeat must be at least 1, not {k}");
            if (w < 0) throw new BadInputException($"--warmup cannot be negative, not {w}");
            var given = inputs.ReadGiven(pr, InputOptions.ModelInputNames(path));
            var ortOptions = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = n, InterOpThreads = 1 };
            var opProfile = pr.GetValue(profile) ? new OperatorProfile() : null;
            if (opProfile is not null && pr.GetValue(engine) != EngineFactory.Native) throw new BadInputException("--profile needs --engine native");
            using var e = EngineFactory.Create(pr.GetValue(engine)!, path, ortOptions, opProfile);
            var (feeds, _) = ComparisonInputs.Prepare(e.Inputs, new ComparisonOptions { Seed = pr.GetValue(inputs.Seed), Inputs = given, Shapes = inputs.Shapes(pr) });
            for (int i = 0; i < w; i++) e.Run(feeds);
            opProfile?.Clear();
            var times = new double[k];
            for (int i = 0; i < k; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                e.Run(feeds);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            Array.Sort(times);
            double median = k % 2 == 1 ? times[k / 2] : (times[k / 2 - 1] + times[k / 2]) / 2;
            var report = new Report(path, e.Name, n, w, k, median, times[0], times.Average());
            if (pr.GetValue(json)) Console.Out.WriteLine(JsonOutput.Serialize(report));
            else Console.Out.WriteLine($"{e.Name}  threads {n}  median {median:F3} ms  min {times[0]:F3} ms  ({k} runs after {w} warm-up)");
            if (opProfile is not null)
                foreach (var (op, time, calls) in opProfile.Entries)
                    (pr.GetValue(json) ? Console.Error : Console.Out).WriteLine($"  {op,-24} {time.TotalMilliseconds / k,10:F3} ms/run  {calls / k,5} calls/run");
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
