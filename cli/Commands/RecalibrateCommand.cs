using System.CommandLine;
using OnnxNorm.Cli.Statistics;
using OnnxNorm.Ir;
using OnnxNorm.Workflows.Statistics;

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
        var outcome = ConsoleProgressBar.Run(progress => Recalibration.Run(factory, target, data, (p, d, t) => progress(p, d, t)));
        ModelSaver.Save(target, outputPath, new SaveOptions { Force = force });
        foreach (var w in outcome.Warnings) Console.Error.WriteLine($"warning: {w}");
        Console.Out.WriteLine($"recalibrated {outcome.Layers} BN layer(s) in {outcome.Levels} pass(es); wrote {outputPath}");
        return CliRunner.Ok;
    }
}
