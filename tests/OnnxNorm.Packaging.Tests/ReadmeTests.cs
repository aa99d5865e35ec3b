using OnnxNorm.TestSupport;

namespace OnnxNorm.Packaging.Tests;

public class ReadmeTests
{
    private static string[] Between(IEnumerable<string> lines, string begin, string end) =>
        lines.SkipWhile(l => !l.Contains(begin, StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains(end, StringComparison.Ordinal)).ToArray();

    /// <summary>The code lines of QuickStart.Run between its markers, de-indented.</summary>
    private static string[] CompiledQuickStart()
    {
        var body = Between(File.ReadLines(Path.Combine(TestData.RepoRoot, "tests", "OnnxNorm.Packaging.Tests", "QuickStart.cs")),
            "// quick start begin", "// quick start end");
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToArray();
    }

    [Fact]
    public void The_readme_quick_start_is_the_compiled_one()
    {
        var readme = File.ReadAllLines(Path.Combine(TestData.RepoRoot, "README.md"));
        var section = readme.SkipWhile(l => l != "### Library quick start").ToArray();
        Assert.NotEmpty(section);
        var block = Between(section, "```csharp", "```");
        var usings = block.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal) && l.EndsWith(';')).ToArray();
        var code = block.Skip(usings.Length).SkipWhile(l => l.Length == 0).ToArray();
        Assert.Equal(CompiledQuickStart(), code);
        // The README's usings are the ones QuickStart.cs compiles with.
        var compiledUsings = File.ReadLines(Path.Combine(TestData.RepoRoot, "tests", "OnnxNorm.Packaging.Tests", "QuickStart.cs"))
            .Where(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(compiledUsings, usings);
    }
}
