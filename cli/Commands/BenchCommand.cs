using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Serialization;
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
    public sealed record Report(string Model, string Engine, int Threads, int Warmup, int Repeat, double MedianMs, double MinMs, double MeanMs)
    {
        /// <summary>With --profile: the time per op type and timed run, slowest first.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<OpTime>? Profile { get; init; }
    }

    /// <summary>One profile row: an op type (a Conv with its class) and its time and calls per timed run.</summary>
    public sealed record OpTime(string Op, double MsPerRun, double CallsPerRun);

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model file." };
        var engine = new Option<string>("--engine") { Description = "native (default) or ort.", DefaultValueFactory = _ => EngineFactory.Native };
        var threads = new Option<int>("--threads") { Description = "Threads per inference.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs (default 10).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first (default 10: .NET's tiered JIT needs them before timings settle).", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Write {\"medianMs\", \"minMs\", ...} as JSON on stdout." };
        var profile = new Option<bool>("--profile") { Description = "Also print the time per op type over the timed runs (ORT: from its own profiler, ops as ORT ran them)." };
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
            if (opProfile is not null && pr.GetValue(engine) == EngineFactory.Reference) throw new BadInputException("--profile needs --engine native or ort");
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
            // ORT's profiler cannot start late: its trace covers the warm-up runs too, which are left out here.
            if (opProfile is not null && e is OrtEngine ort) ort.Session.EndProfiling(skipRuns: w);
            Array.Sort(times);
            double median = k % 2 == 1 ? times[k / 2] : (times[k / 2 - 1] + times[k / 2]) / 2;
            var rows = opProfile?.Entries.Select(x => new OpTime(x.Op, x.Time.TotalMilliseconds / k, x.Calls / (double)k)).ToList();
            var report = new Report(path, e.Name, n, w, k, median, times[0], times.Average()) { Profile = rows };
            if (pr.GetValue(json)) Console.Out.WriteLine(JsonOutput.Serialize(report));
            else Console.Out.WriteLine($"{e.Name}  threads {n}  median {median:F3} ms  min {times[0]:F3} ms  ({k} runs after {w} warm-up)");
            foreach (var row in rows ?? [])
                (pr.GetValue(json) ? Console.Error : Console.Out).WriteLine($"  {row.Op,-24} {row.MsPerRun,10:F3} ms/run  {row.CallsPerRun,5:0.#} calls/run");
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
