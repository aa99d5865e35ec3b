using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Lets the protobuf parser skip the weights. The parser copies every raw_data payload into a new array,
/// so a 500 MB model costs 500 MB more than its file and the time to copy it. Before parsing, this walks
/// the wire format down ModelProto.graph → GraphProto.initializer → TensorProto.raw_data and replaces
/// each large payload by a 16-byte token (a per-load random nonce and an index); the tensors then use
/// the payload in place, in the mapped file or the caller's buffer. Anything it does not understand
/// makes it give up, and the plain parser reads the file instead, reporting whatever is wrong.
/// </summary>
internal sealed class RawDataStripper
{
    /// <summary>Payloads below this stay in the proto: tokens and bookkeeping would cost more.</summary>
    public const int MinPayloadBytes = 1024;
    private const int TokenBytes = 16;
    private const int ModelGraphField = 7, GraphInitializerField = 5, TensorRawDataField = 9;
    private const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2, WireFixed32 = 5;

    private readonly ReadOnlyMemory<byte> _source;
    private readonly ulong _nonce;
    private readonly List<(int Start, int Length)> _payloads = new();

    private RawDataStripper(ReadOnlyMemory<byte> source)
    {
        _source = source;
        _nonce = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));
    }

    /// <summary>The proto to parse (weights replaced by tokens), or null when the plain parser must read <paramref name="source"/>.</summary>
    public static (byte[] Proto, RawDataStripper Payloads)? TryStrip(ReadOnlyMemory<byte> source)
    {
        var s = new RawDataStripper(source);
        var output = new ArrayBufferWriter<byte>(Math.Min(source.Length, 1 << 16));
        if (!s.Walk(0, source.Length, Level.Model, output) || s._payloads.Count == 0) return null;
        return (output.WrittenSpan.ToArray(), s);
    }

    /// <summary>The payload a parsed raw_data stands for, if it is one of this load's tokens.</summary>
    public bool TryResolve(TensorProto p, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        if (!p.HasRawData || p.RawData.Length != TokenBytes) return false;
        var token = p.RawData.Span;
        if (BinaryPrimitives.ReadUInt64LittleEndian(token) != _nonce) return false;
        ulong index = BinaryPrimitives.ReadUInt64LittleEndian(token[8..]);
        if (index >= (ulong)_payloads.Count) return false;
        var (start, length) = _payloads[(int)index];
        payload = _source.Slice(start, length);
        return true;
    }

    private enum Level { Model, Graph, Tensor }

    // Copies the message in [start, end) of the source to output, descending only along the weight path.
    private bool Walk(int start, int end, Level level, ArrayBufferWriter<byte> output)
    {
        var src = _source.Span;
        int pos = start;
        while (pos < end)
        {
            int fieldStart = pos;
            if (!ReadVarint(src, ref pos, end, out ulong tag)) return false;
            ulong field = tag >> 3;
            int wire = (int)(tag & 7);
            if (field == 0) return false;
            switch (wire)
            {
                case WireVarint: if (!ReadVarint(src, ref pos, end, out _)) return false; break;
                case WireFixed64: if (end - pos < 8) return false; pos += 8; break;
                case WireFixed32: if (end - pos < 4) return false; pos += 4; break;
                case WireLengthDelimited:
                {
                    if (!ReadVarint(src, ref pos, end, out ulong len) || len > (ulong)(end - pos)) return false;
                    int payload = pos, length = (int)len;
                    pos += length;
                    if (level == Level.Model && field == ModelGraphField)
                    {
                        if (!Nested(fieldStart, payload, length, Level.Graph, output)) return false;
                        continue;
                    }
                    if (level == Level.Graph && field == GraphInitializerField)
                    {
                        if (!Nested(fieldStart, payload, length, Level.Tensor, output)) return false;
                        continue;
                    }
                    if (level == Level.Tensor && field == TensorRawDataField && length >= MinPayloadBytes)
                    {
                        output.Write(src.Slice(fieldStart, TagLength(src, fieldStart)));
                        WriteVarint(output, TokenBytes);
                        Span<byte> token = stackalloc byte[TokenBytes];
                        BinaryPrimitives.WriteUInt64LittleEndian(token, _nonce);
                        BinaryPrimitives.WriteUInt64LittleEndian(token[8..], (ulong)_payloads.Count);
                        output.Write(token);
                        _payloads.Add((payload, length));
                        continue;
                    }
                    break;
                }
                default: return false; // groups (3, 4) and undefined wire types: leave it to the parser
            }
            output.Write(src[fieldStart..pos]);
        }
        return pos == end;
    }

    // A sub-message whose length changes: walk it into its own buffer, then write tag, new length, bytes.
    private bool Nested(int fieldStart, int payload, int length, Level level, ArrayBufferWriter<byte> output)
    {
        var inner = new ArrayBufferWriter<byte>(Math.Max(1, Math.Min(length, 1 << 16)));
        if (!Walk(payload, payload + length, level, inner)) return false;
        var src = _source.Span;
        output.Write(src.Slice(fieldStart, TagLength(src, fieldStart)));
        WriteVarint(output, (ulong)inner.WrittenCount);
        output.Write(inner.WrittenSpan);
        return true;
    }

    private static int TagLength(ReadOnlySpan<byte> src, int at)
    {
        int n = 1;
        while ((src[at + n - 1] & 0x80) != 0) n++;
        return n;
    }

    private static bool ReadVarint(ReadOnlySpan<byte> src, ref int pos, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= end) return false;
            byte b = src[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        Span<byte> buf = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80) { buf[n++] = (byte)(value | 0x80); value >>= 7; }
        buf[n++] = (byte)value;
        output.Write(buf[..n]);
    }
}
