using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Data;

/// <summary>
/// NumPy's .npy format: magic, version, a Python-literal header dict (descr, fortran_order, shape), then the
/// elements. Reads versions 1, 2 and 3 in C order with little-endian (or byte-order-free) dtypes; writes
/// version 1 (2 when the header is too long), padded to 64 bytes as NumPy does. bfloat16 has no NumPy dtype,
/// so it is written as float32 (exactly: every bfloat16 is a float32).
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads a .npy file (little-endian, C order).</summary>
    /// <exception cref="BadInputException">The file cannot be read or is not a supported .npy (one line naming it).</exception>
    public static TensorValue Read(string path)
    {
        try
        {
            using var fs = InputFile.OpenRead(path, "a .npy file", out _);
            return Read(fs, Path.GetFileName(path));
        }
        catch (IOException e) { throw new BadInputException($"{path}: cannot read: {e.Message}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{path}: cannot read: {e.Message}"); }
    }

    /// <summary>Reads one array; <paramref name="available"/> is how many bytes the stream can still give when it cannot seek (a zip entry's declared size), -1 if unknown.</summary>
    public static TensorValue Read(Stream s, string label, long available = -1)
    {
        long headerEnd = 0;
        long Remaining() => s.CanSeek ? s.Length - s.Position : available < 0 ? long.MaxValue : available - headerEnd;
        Span<byte> pre = stackalloc byte[8];
        if (ReadFully(s, pre) < 8 || !pre[..6].SequenceEqual(Magic))
            throw new BadInputException($"{label}: not a .npy file (bad magic)");
        int major = pre[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            if (ReadFully(s, len) < 2) throw new BadInputException($"{label}: truncated .npy header");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            if (ReadFully(s, len) < 4) throw new BadInputException($"{label}: truncated .npy header");
            uint l = BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (l > 1 << 20) throw new BadInputException($"{label}: .npy header of {l} bytes is implausibly long");
            headerLength = (int)l;
        }
        else throw new BadInputException($"{label}: .npy version {major}.{pre[7]} is not supported (1, 2 and 3 are)");

        var headerBytes = new byte[headerLength];
        if (ReadFully(s, headerBytes) < headerLength) throw new BadInputException($"{label}: truncated .npy header");
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        headerEnd = (major == 1 ? 10 : 12) + headerLength;
        var (descr, fortran, shape) = ParseHeader(header, label);
        if (fortran) throw new BadInputException($"{label}: Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)");
        var (type, stringWidth) = ParseDescr(descr, label);
        int count = TensorValue.ElementCount(shape, label);

        if (type == ElementType.String)
        {
            // <U{n}: n UTF-32LE code units per element, zero padded.
            long textBytes = checked((long)count * stringWidth * 4);
            if (textBytes > LoadLimits.Default.MaxTensorBytes || textBytes > Remaining())
                throw new BadInputException($"{label}: the header claims {textBytes:N0} bytes of text, more than the file holds or the {LoadLimits.Default.MaxTensorBytes:N0}-byte limit");
            var raw = ReadExactly(s, textBytes, label);
            var strings = new string[count];
            for (int i = 0; i < count; i++)
            {
                var chars = new StringBuilder();
                for (int c = 0; c < stringWidth; c++)
                {
                    int cp = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan((i * stringWidth + c) * 4));
                    if (cp == 0) break;
                    if (!Rune.IsValid(cp))
                        throw new BadInputException($"{label}: element {i} holds 0x{cp:X}, which is not a Unicode code point");
                    chars.Append(char.ConvertFromUtf32(cp));
                }
                strings[i] = chars.ToString();
            }
            CheckAtEnd(s, label);
            return TensorValue.Wrap(ElementType.String, shape, strings);
        }

        // A header may claim any size: check it against the cap and against what the file holds before allocating.
        long needed = type.ByteCount(count);
        if (needed > LoadLimits.Default.MaxTensorBytes)
            throw new BadInputException($"{label}: the header claims {needed:N0} bytes, over the {LoadLimits.Default.MaxTensorBytes:N0}-byte limit ({LoadLimits.MaxTensorBytesVariable})");
        if (needed > Remaining())
            throw new BadInputException($"{label}: the data is shorter than its shape [{string.Join(',', shape)}] of {type.Name()} needs ({needed} bytes)");
        var result = TensorValue.Allocate(type, shape);
        var target = result.AsBytes();
        if (ReadFully(s, target) < target.Length)
            throw new BadInputException($"{label}: the data is shorter than its shape [{string.Join(',', shape)}] of {type.Name()} needs ({target.Length} bytes)");
        if (type == ElementType.Bool)
            foreach (byte b in target)
                if (b > 1) throw new BadInputException($"{label}: bool array holds byte value {b}; only 0 and 1 are booleans");
        CheckAtEnd(s, label);
        return result;
    }

    /// <summary>Writes <paramref name="value"/> as a .npy file atomically; refuses to overwrite.</summary>
    public static void Write(string path, TensorValue value) => OutputPolicy.Write(path, "the .npy file", force: false, s => Write(s, value));

    /// <summary>Writes <paramref name="value"/> in .npy format to the stream.</summary>
    public static void Write(Stream s, TensorValue value)
    {
        var v = value.ElementType == ElementType.BFloat16 ? BFloat16AsFloat(value) : value;
        int stringWidth = 0;
        if (v.ElementType == ElementType.String)
            stringWidth = Math.Max(1, ((string[])v.Buffer).Take(v.Length).Select(x => x.EnumerateRunes().Count()).DefaultIfEmpty(1).Max());
        string descr = v.ElementType == ElementType.String ? $"<U{stringWidth}" : Descr(v.ElementType);
        string shape = v.Rank switch
        {
            0 => "()",
            1 => $"({v.Shape[0]},)",
            _ => "(" + string.Join(", ", v.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int major = 1, lengthField = 2;
        if (10 + dict.Length + 1 > ushort.MaxValue) { major = 2; lengthField = 4; }
        int unpadded = 6 + 2 + lengthField + dict.Length + 1; // +1 for the final newline
        int padding = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', padding) + "\n";
        var headerBytes = Encoding.Latin1.GetBytes(header);
        s.Write(Magic);
        s.WriteByte((byte)major);
        s.WriteByte(0);
        Span<byte> len = stackalloc byte[4];
        if (major == 1) { BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)headerBytes.Length); s.Write(len[..2]); }
        else { BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)headerBytes.Length); s.Write(len); }
        s.Write(headerBytes);
        if (v.ElementType == ElementType.String)
        {
            var buf = new byte[stringWidth * 4];
            foreach (string str in ((string[])v.Buffer).Take(v.Length))
            {
                Array.Clear(buf);
                int c = 0;
                foreach (var rune in str.EnumerateRunes()) BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(4 * c++), rune.Value);
                s.Write(buf);
            }
        }
        else s.Write(v.AsBytes());
    }

    private static TensorValue BFloat16AsFloat(TensorValue v)
    {
        var src = v.AsSpan<ushort>();
        var f = new float[v.Length];
        for (int i = 0; i < f.Length; i++) f[i] = FloatBits.BFloat16ToSingle(src[i]);
        return TensorValue.FromFloats(v.Shape, f);
    }

    /// <summary>The NumPy dtype string for an element type.</summary>
    public static string Descr(ElementType t) => t switch
    {
        ElementType.Float => "<f4",
        ElementType.Double => "<f8",
        ElementType.Float16 => "<f2",
        ElementType.Int64 => "<i8",
        ElementType.Int32 => "<i4",
        ElementType.Int16 => "<i2",
        ElementType.Int8 => "|i1",
        ElementType.UInt8 => "|u1",
        ElementType.UInt16 => "<u2",
        ElementType.UInt32 => "<u4",
        ElementType.UInt64 => "<u8",
        ElementType.Bool => "|b1",
        _ => throw new BadInputException($"element type {t.Name()} has no .npy dtype"),
    };

    private static (ElementType Type, int StringWidth) ParseDescr(string descr, string label)
    {
        if (descr.Length < 3) throw new BadInputException($"{label}: dtype '{descr}' is not understood");
        char order = descr[0];
        string kind = descr[1..];
        if (order == '>' && kind is not ("i1" or "u1" or "b1"))
            throw new BadInputException($"{label}: dtype '{descr}' is big-endian; save it little-endian (array.astype('<{kind}'))");
        if (order is not ('<' or '|' or '=' or '>'))
            throw new BadInputException($"{label}: dtype '{descr}' is not understood");
        if (kind.StartsWith('U') && int.TryParse(kind[1..], NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width > 0)
            return (ElementType.String, width);
        ElementType type = kind switch
        {
            "f4" => ElementType.Float,
            "f8" => ElementType.Double,
            "f2" => ElementType.Float16,
            "i8" => ElementType.Int64,
            "i4" => ElementType.Int32,
            "i2" => ElementType.Int16,
            "i1" => ElementType.Int8,
            "u1" => ElementType.UInt8,
            "u2" => ElementType.UInt16,
            "u4" => ElementType.UInt32,
            "u8" => ElementType.UInt64,
            "b1" => ElementType.Bool,
            _ => throw new BadInputException($"{label}: dtype '{descr}' is not supported (float16/32/64, int8..64, uint8..64, bool, unicode)"),
        };
        return (type, 0);
    }

    /// <summary>Parses the header dict: {'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }.</summary>
    internal static (string Descr, bool Fortran, long[] Shape) ParseHeader(string header, string label)
    {
        string h = header.Trim();
        if (!h.StartsWith('{') || !h.EndsWith('}')) throw new BadInputException($"{label}: .npy header is not a dict");
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        int i = 1;
        while (true)
        {
            SkipSpace(h, ref i);
            if (i >= h.Length - 1) break;
            if (h[i] == ',') { i++; continue; }
            string key = ReadQuoted(h, ref i, label);
            SkipSpace(h, ref i);
            if (i >= h.Length || h[i] != ':') throw new BadInputException($"{label}: .npy header: ':' expected after '{key}'");
            i++;
            SkipSpace(h, ref i);
            switch (key)
            {
                case "descr": descr = ReadQuoted(h, ref i, label); break;
                case "fortran_order":
                    if (string.CompareOrdinal(h, i, "True", 0, 4) == 0) { fortran = true; i += 4; }
                    else if (string.CompareOrdinal(h, i, "False", 0, 5) == 0) { fortran = false; i += 5; }
                    else throw new BadInputException($"{label}: .npy header: fortran_order must be True or False");
                    break;
                case "shape":
                {
                    if (h[i] != '(') throw new BadInputException($"{label}: .npy header: shape must be a tuple");
                    int close = h.IndexOf(')', i);
                    if (close < 0) throw new BadInputException($"{label}: .npy header: unterminated shape");
                    var parts = h[(i + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    shape = new long[parts.Length];
                    for (int k = 0; k < parts.Length; k++)
                    {
                        string p = parts[k].TrimEnd('L');
                        if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out shape[k]))
                            throw new BadInputException($"{label}: .npy header: shape entry '{parts[k]}' is not a dimension");
                    }
                    i = close + 1;
                    break;
                }
                default: throw new BadInputException($"{label}: .npy header has an unknown key '{key}'");
            }
        }
        if (descr is null || fortran is null || shape is null)
            throw new BadInputException($"{label}: .npy header lacks {(descr is null ? "descr" : fortran is null ? "fortran_order" : "shape")}");
        return (descr, fortran.Value, shape);
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
    }

    private static string ReadQuoted(string s, ref int i, string label)
    {
        if (i >= s.Length || s[i] is not ('\'' or '"')) throw new BadInputException($"{label}: .npy header: quoted string expected at offset {i}");
        char q = s[i];
        int end = s.IndexOf(q, i + 1);
        if (end < 0) throw new BadInputException($"{label}: .npy header: unterminated string");
        string r = s[(i + 1)..end];
        i = end + 1;
        return r;
    }

    private static byte[] ReadExactly(Stream s, long n, string label)
    {
        if (n > Array.MaxLength) throw new BadInputException($"{label}: too large");
        var b = new byte[n];
        if (ReadFully(s, b) < n) throw new BadInputException($"{label}: the data is shorter than its shape needs");
        return b;
    }

    private static void CheckAtEnd(Stream s, string label)
    {
        if (s.ReadByte() >= 0) throw new BadInputException($"{label}: has bytes after the array data (more data than its shape says)");
    }

    private static int ReadFully(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
