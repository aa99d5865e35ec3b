using System.CommandLine;
using OnnxNorm.Cli;
using OnnxNorm.Cli.Commands;

var root = new RootCommand("OnnxNorm: fold, freeze and check BatchNormalization in ONNX models, and prove the result with ONNX Runtime.");
// Explicit list: every verb of the tool, in the order `--help` shows them.
foreach (var command in new[]
{
    InspectCommand.Create(),
    ConvertCommand.Create(),
    RunCommand.Create(),
    CompareCommand.Create(),
})
{
    root.Subcommands.Add(command);
}
return CliRunner.Invoke(root, args);
