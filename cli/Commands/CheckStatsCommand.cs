using System.CommandLine;
using System.Diagnostics;
using OnnxNorm.Cli.Statistics;
using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Cli.Commands;

/// <summary>
/// `onnxnorm check-stats MODEL --data FILE ...`: do the stored BN running statistics fit the data? Exit 1
/// when a layer is flagged (or, with --batch-size, too noisy at that batch size), 0 when clean, 2 on bad input.
/// </summary>
public static class CheckStatsCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model file." };
        var data = StatisticsInputs.Data();
        var engine = StatisticsInputs.Engine();
        var shift = new Option<double>("--max-mean-shift") { Description = "Flag a channel whose data mean is more than this many running standard deviations away.", DefaultValueFactory = _ => 1.0 };
        var minRatio = new Option<double>("--min-var-ratio") { Description = "Flag a channel whose (data var + eps)/(running var + eps) is below this.", DefaultValueFactory = _ => 0.5 };
        var maxRatio = new Option<double>("--max-var-ratio") { Description = "Flag a channel whose (data var + eps)/(running var + eps) is above this.", DefaultValueFactory = _ => 2.0 };
        var maxKl = new Option<double?>("--max-kl") { Description = "Also flag a channel whose Gaussian KL divergence (nats) is above this (off by default)." };
        var noRootCause = new Option<bool>("--no-root-cause") { Description = "Skip the root-cause passes (one per BN level) that tell wrong layers from layers inheriting drift." };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to this file ('-' for stdout)." };
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML report with per-layer plots to this file." };
        var top = new Option<int>("--top") { Description = "Layers to show in the console table.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int?>("--batch-size") { Description = "Also estimate how noisy each layer's batch statistics are at this batch size (the one you train or fine-tune with), and the smallest batch size at which no layer is flagged." };
        var maxMeanNoise = new Option<double>("--max-mean-noise") { Description = "With --batch-size: flag a layer whose batch mean strays more than this many population standard deviations (RMS, median over channels).", DefaultValueFactory = _ => SmallBatchThresholds.Default.MaxMeanNoise };
        var maxVarNoise = new Option<double>("--max-var-noise") { Description = "With --batch-size: flag a layer whose batch variance is off by more than this fraction (RMS, median over channels).", DefaultValueFactory = _ => SmallBatchThresholds.Default.MaxVarNoise };
        var timing = new Option<bool>("--timing") { Description = "Also time plain inference against the statistics pass over the same data (best of 3, alternating) and print the ratio on stderr." };
        var cmd = new Command("check-stats", "Compare every BN layer's running statistics with the statistics of its input on calibration data.")
            { model, data, engine, shift, minRatio, maxRatio, maxKl, noRootCause, batchSize, maxMeanNoise, maxVarNoise, json, html, top, timing };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            var thresholds = new MismatchThresholds
            {
                MaxMeanShift = pr.GetValue(shift),
                MinVarRatio = pr.GetValue(minRatio),
                MaxVarRatio = pr.GetValue(maxRatio),
                MaxKl = pr.GetValue(maxKl) ?? double.PositiveInfinity,
            };
            var options = new StatsChecker.Options
            {
                Thresholds = thresholds,
                RootCause = !pr.GetValue(noRootCause),
                SmallBatchSize = pr.GetValue(batchSize),
                SmallBatchThresholds = new SmallBatchThresholds { MaxMeanNoise = pr.GetValue(maxMeanNoise), MaxVarNoise = pr.GetValue(maxVarNoise) },
            };
            return Execute(pr.GetValue(model)!, pr.GetValue(data) ?? Array.Empty<string>(), pr.GetValue(engine)!, options,
                pr.GetValue(json), pr.GetValue(html), pr.GetValue(top), pr.GetValue(timing));
        }));
        return cmd;
    }

    private static int Execute(string modelPath, string[] dataSpecs, string engineName, StatsChecker.Options options,
        string? jsonPath, string? htmlPath, int top, bool timing)
    {
        options.Thresholds.Validate();
        options.SmallBatchThresholds.Validate();
        if (options.SmallBatchSize is < 1) throw new BadInputException($"--batch-size must be at least 1, not {options.SmallBatchSize}");
        var factory = StatisticsEngines.Get(engineName);
        using var model = ModelLoader.Load(modelPath);
        var data = CalibrationData.Parse(dataSpecs, model);
        // Every report target is checked before the data pass, so a bad one costs nothing and writes nothing.
        if (jsonPath is not null && jsonPath != "-") OutputPolicy.Check(jsonPath, "the --json report", force: false);
        if (htmlPath is not null) OutputPolicy.Check(htmlPath, "the --html report", force: false);
        var prepared = StatsCheck.Prepare(model);
        var lints = prepared.Lints;

        (TimeSpan Plain, TimeSpan Stats) overhead = default;
        if (timing) overhead = StatsCheck.TimeOverhead(factory, model, data);
        var clock = Stopwatch.StartNew();
        var report = ConsoleProgressBar.Run(progress => StatsCheck.Run(model, prepared, data, factory, options, (p, d, t) => progress(p, d, t)));
        clock.Stop();

        bool jsonToStdout = jsonPath == "-";
        var console = jsonToStdout ? Console.Error : Console.Out;
        var advice = StatsAdvice.For(report, modelPath, dataSpecs, engineName);
        StatsConsoleTable.Write(console, report, advice, Math.Max(1, top), 5);
        var reports = new List<OutputFile>();
        if (jsonPath is not null)
        {
            string text = StatsJson.Render(report, modelPath, lints, advice);
            if (jsonToStdout) Console.Out.WriteLine(text);
            else reports.Add(new OutputFile(jsonPath, "the --json report", s => s.Write(System.Text.Encoding.UTF8.GetBytes(text))));
        }
        if (htmlPath is not null)
            reports.Add(new OutputFile(htmlPath, "the --html report", s => s.Write(System.Text.Encoding.UTF8.GetBytes(StatsHtmlReport.Render(report, Path.GetFileName(modelPath), advice)))));
        if (reports.Count > 0) OutputPolicy.WriteAll(reports, force: false);
        if (timing)
            Console.Error.WriteLine($"timing: plain inference {overhead.Plain.TotalSeconds:0.000} s, statistics pass {overhead.Stats.TotalSeconds:0.000} s (best of 3 each, alternating), ratio {overhead.Stats / overhead.Plain:0.000}; "
                + $"whole check-stats {clock.Elapsed.TotalSeconds:0.000} s ({report.Passes} pass(es), {clock.Elapsed / overhead.Plain:0.00}x plain)");
        return report.AnyFlagged || report.SmallBatch is { AnyFlagged: true } ? CliRunner.CheckFailed : CliRunner.Ok;
    }
}
