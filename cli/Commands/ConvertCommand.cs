using System.CommandLine;
using OnnxNorm.Ir;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm convert IN -o OUT [--external-data FILE | --inline]`: load and save, moving weights in or out.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The ONNX model to read (never modified)." };
        var output = CommonOptions.Output();
        var external = new Option<string?>("--external-data") { Description = "Move weights into this file, beside the output model." };
        var inline = new Option<bool>("--inline") { Description = "Bring external weights back into the model file." };
        var force = CommonOptions.Force();
        var cmd = new Command("convert", "Load and save a model (round trip), optionally moving weights to or from external data.")
            { input, output, external, inline, force };
        cmd.SetAction(pr => CliRunner.Run(() =>
        {
            if (pr.GetValue(external) is not null && pr.GetValue(inline))
                throw new BadInputException("--external-data and --inline cannot be used together");
            using var m = ModelLoader.Load(pr.GetValue(input)!);
            ModelSaver.Save(m, pr.GetValue(output)!, new SaveOptions
            {
                ExternalDataFile = pr.GetValue(external),
                Inline = pr.GetValue(inline),
                Force = pr.GetValue(force),
            });
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
