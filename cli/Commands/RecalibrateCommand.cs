using System.CommandLine;
using OnnxNorm.Cli.Statistics;
using OnnxNorm.Graph;
using OnnxNorm.Runtime.Statistics;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm recalibrate MODEL --data ... -o OUT`: re-estimate every BN's running mean/var from data.</summary>
public static class RecalibrateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The ONNX model to read (never modified)." };
        var data = StatisticsInputs.Data();
        var engine = StatisticsInputs.Engine();
        var output = CommonOptions.Output();
        var force = CommonOptions.Force();
        var cmd = new Command("recalibrate", "Re-estimate every BN layer's running mean/var from calibration data, upstream layers first.")
            { model, data, engine, output, force };
        cmd.SetAction(pr => CliRunner.Run(() => Execute(pr.GetValue(model)!, pr.GetValue(data) ?? Array.Empty<string>(),
            pr.GetValue(engine)!, pr.GetValue(output)!, pr.GetValue(force))));
        return cmd;
    }

    private static int Execute(string modelPath, string[] dataSpecs, string engineName, string outputPath, bool force)
    {
        var factory = StatisticsEngines.Get(engineName);
        using var target = ModelLoader.Load(modelPath);
        var data = CalibrationData.Parse(dataSpecs, target);
        OutputPolicy.Check(outputPath, "the output model", force);
        // The passes run on a working copy where training-mode layers are frozen (so downstream layers see
        // inference activations); the new statistics are then written into the model as it was, mode unchanged.
        using var work = target.Clone();
        var warnings = new List<string>();
        StatisticsInputs.FreezeTrainingModeLayers(work, warnings);
        var layers = BatchNormLayer.InMainGraph(work, warnings);
        var moments = ConsoleProgressBar.Run(progress => Recalibrator.Run(factory, work, layers, data, progress: (p, d, t) => progress(p, d, t)));
        foreach (var layer in layers)
        {
            var acc = moments[layer.Ordinal];
            var mean = Enumerable.Range(0, layer.Channels).Select(c => acc[c].Mean).ToArray();
            var variance = Enumerable.Range(0, layer.Channels).Select(c => acc[c].PopulationVariance).ToArray();
            RequireStorable(layer, "mean", mean);
            RequireStorable(layer, "variance", variance);
            layer.WriteStatistics(target, mean, variance);
        }
        ModelSaver.Save(target, outputPath, new SaveOptions { Force = force });
        foreach (var w in warnings) Console.Error.WriteLine($"warning: {w}");
        int levels = layers.Count == 0 ? 0 : layers.Max(l => l.Level);
        Console.Out.WriteLine($"recalibrated {layers.Count} BN layer(s) in {levels} pass(es); wrote {outputPath}");
        return CliRunner.Ok;
    }

    // A statistic that float32 cannot hold (the activations overflowed) would be written as Inf/NaN and
    // silently break the model; nothing is written instead.
    private static void RequireStorable(BatchNormLayer layer, string what, double[] values)
    {
        for (int c = 0; c < values.Length; c++)
            if (!(Math.Abs(values[c]) <= float.MaxValue))
                throw new BadInputException($"{layer.Label}: channel {c}: the data gives a running {what} of {values[c]:G4}, which float32 cannot hold (the layer's input overflows on this data); nothing was written");
    }
}
