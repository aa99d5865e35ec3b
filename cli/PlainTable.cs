using Spectre.Console;
using Spectre.Console.Rendering;

namespace OnnxNorm.Cli;

/// <summary>
/// A borderless, colourless Spectre.Console table printed as plain text: columns separated by two spaces,
/// no wrapping, trailing spaces trimmed, so redirected output stays greppable and tests can parse numbers.
/// Cells are <see cref="Text"/>, never markup, so a model's names are printed as they are (and escaped for the
/// terminal by the <see cref="EscapingWriter"/> the text is written through).
/// </summary>
public sealed class PlainTable
{
    // Wide enough that no real row wraps; the old hand-written tables never wrapped either.
    private const int RenderWidth = 4096;
    private readonly Table _table = new Table().NoBorder();

    /// <param name="headers">The column headers; a header starting with '>' is right-aligned (the '>' is dropped).</param>
    public PlainTable(params string[] headers)
    {
        for (int i = 0; i < headers.Length; i++)
        {
            bool right = headers[i].StartsWith('>');
            var column = new TableColumn(new Text(right ? headers[i][1..] : headers[i]))
            {
                NoWrap = true,
                Padding = new Padding(0, 0, i == headers.Length - 1 ? 0 : 2, 0),
            };
            if (right) column.RightAligned();
            _table.AddColumn(column);
        }
    }

    public int RowCount => _table.Rows.Count;

    public PlainTable Row(params string[] cells)
    {
        _table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());
        return this;
    }

    /// <summary>Writes the table, each line prefixed by <paramref name="indent"/>.</summary>
    public void WriteTo(TextWriter o, string indent = "")
    {
        var buffer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(buffer),
        });
        console.Profile.Width = RenderWidth;
        console.Write(_table);
        foreach (var line in buffer.ToString().Split('\n'))
        {
            string trimmed = line.TrimEnd('\r').TrimEnd();
            if (trimmed.Length > 0) o.WriteLine(indent + trimmed);
        }
    }
}
