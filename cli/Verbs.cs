using System.CommandLine;
using OnnxNorm.Cli.Commands;

namespace OnnxNorm.Cli;

/// <summary>Every verb of the tool, in the order `--help` shows them (an explicit list, no scanning).</summary>
public static class Verbs
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("OnnxNorm: fold, freeze and check BatchNormalization in ONNX models, and prove the result with ONNX Runtime.");
        foreach (var command in new[]
        {
            InspectCommand.Create(),
            ConvertCommand.Create(),
            OptimizeCommand.Create(),
            RunCommand.Create(),
            CompareCommand.Create(),
            BenchCommand.Create(),
            FreezeBnCommand.Create(),
            CheckStatsCommand.Create(),
            RecalibrateCommand.Create(),
        })
        {
            root.Subcommands.Add(command);
        }
        root.Options.OfType<VersionOption>().Single().Action = new VersionAction();
        return root;
    }

    /// <summary>Runs the tool in-process with the same error contract as the executable.</summary>
    public static int Run(string[] args) => CliRunner.Invoke(BuildRoot(), args);
}
