using System.CommandLine;

namespace OnnxNorm.Cli;

/// <summary>Options shared by several verbs, so they are spelled and described the same everywhere.</summary>
public static class CommonOptions
{
    public static Option<string> Output() => new("--output", "-o") { Description = "Where to write the result.", Required = true };

    public static Option<bool> Force() => new("--force") { Description = "Allow overwriting the input model or an existing data file." };
}
