using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OnnxNorm.Cli.Statistics;

/// <summary>The "done/total files" column of <see cref="ConsoleProgressBar"/>.</summary>
public sealed class FilesColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        => new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:0}/{task.MaxValue:0} files"));
}
