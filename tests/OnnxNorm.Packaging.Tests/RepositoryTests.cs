using OnnxNorm.TestSupport;

namespace OnnxNorm.Packaging.Tests;

public class RepositoryTests
{
    [Fact]
    public void The_repository_tracks_no_build_output()
    {
        var files = DotnetCli.Run("git", new[] { "ls-files" }, TestData.RepoRoot).AssertOk("git ls-files").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(files);
        var built = files.Where(f => f.Split('/').Any(part => part is "bin" or "obj" or "avx512")
            || f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".dbg", StringComparison.Ordinal)
            || f.EndsWith(".pdb", StringComparison.Ordinal) || f.EndsWith(".nupkg", StringComparison.Ordinal)).ToList();
        Assert.True(built.Count == 0, "build output under version control: " + string.Join(", ", built.Take(5)));
    }
}
