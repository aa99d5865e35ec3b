using System.Text;

namespace OnnxNorm.Ir;

/// <summary>
/// The one escaper for text that reaches a terminal. Names in a model (nodes, values, ops, files) are
/// attacker-chosen: ESC/CSI/OSC sequences, BS, CR, VT or NUL could recolour, erase or forge output lines.
/// Every control character (C0, DEL, C1) and every bidirectional override becomes a visible \xNN or \uNNNN;
/// a newline is kept only where the caller asks (our own line breaks).
/// </summary>
public static class TerminalText
{
    /// <summary>Whether <paramref name="c"/> must be escaped before it reaches a terminal.</summary>
    public static bool NeedsEscape(char c, bool keepNewline) =>
        (c == '\n' ? !keepNewline : char.IsControl(c) && c != '\t') || IsBidiControl(c);

    private static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <paramref name="s"/> with every control and bidirectional-override character made visible.
    public static string Escape(string s, bool keepNewlines = false)
    {
        int first = -1;
        for (int i = 0; i < s.Length; i++)
            if (NeedsEscape(s[i], keepNewlines)) { first = i; break; }
        if (first < 0) return s;
        var sb = new StringBuilder(s.Length + 16);
        sb.Append(s, 0, first);
        for (int i = first; i < s.Length; i++) Append(sb, s[i], keepNewlines);
        return sb.ToString();
    }

    /// <summary>Appends <paramref name="c"/> to <paramref name="sb"/>, escaped if it must be.</summary>
    public static void Append(StringBuilder sb, char c, bool keepNewlines)
    {
        if (!NeedsEscape(c, keepNewlines)) sb.Append(c);
        else if (c <= '\u00FF') sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        else sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One line: line breaks become spaces, then every other control character is escaped.</summary>
    public static string OneLine(string s) => Escape(s.ReplaceLineEndings(" ").Trim());
}
