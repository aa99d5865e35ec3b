namespace OnnxNorm.Bench;

/// <summary>How to start a program: a native executable, or `dotnet X.dll`.</summary>
public sealed record Launcher(string Program, IReadOnlyList<string> Prefix)
{
    public static Launcher Native(string executable) => new(Path.GetFullPath(executable), Array.Empty<string>());

    public static Launcher Managed(string dll) => new("dotnet", new[] { dll });

    /// <summary>This process again: itself if it is a native executable, else `dotnet` with its dll.</summary>
    public static Launcher Self()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? Managed(Path.Combine(AppContext.BaseDirectory, "OnnxNorm.Bench.dll"))
            : Native(process);
    }

    public string[] With(params string[] args) => Prefix.Concat(args).ToArray();

    public override string ToString() => Prefix.Count == 0 ? Program : $"{Program} {string.Join(' ', Prefix)}";
}
