using System.Text;
using OnnxNorm.Ir;

namespace OnnxNorm.Cli;

/// <summary>
/// Wraps stdout and stderr so every character the tool prints passes <see cref="TerminalText"/>: a
/// model's names cannot reach the terminal as control sequences, whichever message carries them. Line
/// breaks are kept (messages are ours; a name's own line break was already turned into a space by
/// <see cref="CliRunner"/> where it matters).
/// </summary>
public sealed class EscapingWriter : TextWriter
{
    private readonly TextWriter _inner;

    public EscapingWriter(TextWriter inner) => _inner = inner;

    public override Encoding Encoding => _inner.Encoding;

    public override void Write(char value)
    {
        if (!TerminalText.NeedsEscape(value, keepNewline: true)) { _inner.Write(value); return; }
        var sb = new StringBuilder(6);
        TerminalText.Append(sb, value, keepNewlines: true);
        _inner.Write(sb.ToString());
    }

    public override void Write(string? value)
    {
        if (value is not null) _inner.Write(TerminalText.Escape(value, keepNewlines: true));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        Write(value);
        _inner.WriteLine();
    }

    public override void WriteLine() => _inner.WriteLine();

    public override void Flush() => _inner.Flush();
}
