using System.CommandLine;
using System.Text.RegularExpressions;
using OnnxNorm.Ir;
using OnnxNorm.Passes;

namespace OnnxNorm.Cli.Commands;

/// <summary>`onnxnorm freeze-bn IN -o OUT [--only REGEX] [--frozen-params FILE]`: training-mode BN to inference mode.</summary>
public static class FreezeBnCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The ONNX model to read (never modified)." };
        var output = CommonOptions.Output();
        var only = new Option<string?>("--only") { Description = "Freeze only the BatchNormalization nodes whose name matches this regular expression." };
        var frozenParams = new Option<string?>("--frozen-params") { Description = "Write the names of the frozen layers' scale/bias/mean/var tensors to this file, one per line." };
        var force = CommonOptions.Force();
        var cmd = new Command("freeze-bn", "Turn training-mode BatchNormalization into inference mode using its running statistics.")
            { input, output, only, frozenParams, force };
        cmd.SetAction(pr => CliRunner.Run(() => Execute(pr.GetValue(input)!, pr.GetValue(output)!, pr.GetValue(only),
            pr.GetValue(frozenParams), pr.GetValue(force))));
        return cmd;
    }

    private static int Execute(string input, string output, string? only, string? frozenParamsFile, bool force)
    {
        Regex? regex = null;
        if (only is not null)
        {
            try { regex = new Regex(only, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException e) { throw new BadInputException($"--only: not a valid regular expression: {e.Message}"); }
        }
        using var model = ModelLoader.Load(input);
        OutputPolicy.Check(output, "the output model", force);
        if (frozenParamsFile is not null) OutputPolicy.Check(frozenParamsFile, "the --frozen-params file", force);
        var pass = new FreezeBatchNormPass(regex);
        var result = pass.Run(model);
        foreach (var d in result.Diagnostics) Console.Error.WriteLine(d);
        int frozen = result.Diagnostics.Count(d => d.Code == FreezeCodes.Frozen);
        var files = ModelSaver.Plan(model, output, new SaveOptions { Force = force }).ToList();
        if (frozenParamsFile is not null)
        {
            string text = string.Concat(pass.FrozenParameters.Select(p => p + "\n"));
            files.Add(new OutputFile(frozenParamsFile, "the --frozen-params file", s => s.Write(System.Text.Encoding.UTF8.GetBytes(text))));
        }
        OutputPolicy.WriteAll(files, force);
        Console.Out.WriteLine($"froze {frozen} BatchNormalization node(s); wrote {output}");
        return CliRunner.Ok;
    }
}
