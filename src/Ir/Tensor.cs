using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Constant tensor data with its element type and dims. Data is little-endian bytes: raw_data is used
/// in place (no copy), typed fields (float_data, int32_data holding fp16, ...) are decoded once on first
/// access, and external data is memory-mapped on first access. An unchanged tensor saves back to the exact
/// TensorProto it came from.
/// </summary>
public sealed class Tensor
{
    private TensorProto? _original;
    private ExternalTensor? _external;
    private IReadOnlyList<ByteString>? _strings;
    private ReadOnlyMemory<byte> _bytes;
    private bool _hasBytes;
    // raw_data was left out of _original by the loader (see RawDataStripper); _bytes holds it in place.
    private bool _rawDataElsewhere;

    private Tensor(string name, ElementType type, long[] dims, long count)
    {
        Name = name;
        ElementType = type;
        Dims = dims;
        ElementCount = count;
    }

    /// <summary>The tensor's name (the initializer's, or "" for an anonymous tensor).</summary>
    public string Name { get; set; }
    /// <summary>The element type.</summary>
    public ElementType ElementType { get; }
    /// <summary>The dims (do not change them).</summary>
    public long[] Dims { get; }
    /// <summary>The number of elements (product of the dims).</summary>
    public long ElementCount { get; }
    /// <summary>The number of dims.</summary>
    public int Rank => Dims.Length;
    /// <summary>The data's length in bytes (0 for strings).</summary>
    public long ByteLength => ElementType == ElementType.String ? 0 : ElementType.ByteCount(ElementCount);

    /// <summary>Whether the data lives in an external data file.</summary>
    public bool IsExternal => _external is not null;
    /// <summary>Where the external data lives; null for inline data.</summary>
    public ExternalTensor? External => _external;

    /// <summary>The element data as little-endian bytes (mapped or decoded on first access).</summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            if (!_hasBytes)
            {
                if (ElementType == ElementType.String)
                    throw new InvalidOperationException($"tensor '{Name}' holds strings, not bytes");
                _bytes = _external is not null ? _external.Map() : DecodeTypedFields(_original!);
                _hasBytes = true;
            }
            return _bytes;
        }
    }

    /// <summary>
    /// If the data is mapped from the model file, drops its pages from memory; they are read again from the
    /// file if the data is touched later, so the tensor stays valid.
    /// </summary>
    public void DropResidentPages()
    {
        if (_hasBytes) MappedFile.DropPages(_bytes);
    }

    /// <summary>Drops the resident pages of bytes [start, start+length) only (a chunked copy drops what it has copied).</summary>
    public void DropResidentPages(int start, int length)
    {
        if (_hasBytes) MappedFile.DropPages(_bytes.Slice(start, length));
    }

    /// <summary>A string tensor's elements, decoded as UTF-8 (ONNX strings are bytes); empty for other types.</summary>
    public string[] Strings => StringBytes.Select(s => s.ToStringUtf8()).ToArray();

    internal IReadOnlyList<ByteString> StringBytes => _strings ?? Array.Empty<ByteString>();

    /// <summary>The data as elements of <typeparamref name="T"/> (which must match the element type's size).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes.Span);

    /// <summary>Element values as doubles, for float, double, float16, bfloat16 and the integer types.</summary>
    public double[] ToDoubles()
    {
        var span = Bytes.Span;
        int n = checked((int)ElementCount);
        var result = new double[n];
        switch (ElementType)
        {
            case ElementType.Float: { var s = MemoryMarshal.Cast<byte, float>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.Double: MemoryMarshal.Cast<byte, double>(span).CopyTo(result); break;
            case ElementType.Float16: { var s = MemoryMarshal.Cast<byte, ushort>(span); for (int i = 0; i < n; i++) result[i] = FloatBits.HalfToSingle(s[i]); break; }
            case ElementType.BFloat16: { var s = MemoryMarshal.Cast<byte, ushort>(span); for (int i = 0; i < n; i++) result[i] = FloatBits.BFloat16ToSingle(s[i]); break; }
            case ElementType.Int64: { var s = MemoryMarshal.Cast<byte, long>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.Int32: { var s = MemoryMarshal.Cast<byte, int>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.Int16: { var s = MemoryMarshal.Cast<byte, short>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.UInt16: { var s = MemoryMarshal.Cast<byte, ushort>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.UInt32: { var s = MemoryMarshal.Cast<byte, uint>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.UInt64: { var s = MemoryMarshal.Cast<byte, ulong>(span); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case ElementType.Int8: for (int i = 0; i < n; i++) result[i] = (sbyte)span[i]; break;
            case ElementType.UInt8: case ElementType.Bool: for (int i = 0; i < n; i++) result[i] = span[i]; break;
            default: throw new BadInputException($"tensor '{Name}': element type {ElementType.Name()} cannot be read as numbers");
        }
        return result;
    }

    /// <summary>Integer values (for shapes, axes, pads).</summary>
    public long[] ToInt64s() => ElementType switch
    {
        ElementType.Int64 => AsSpan<long>().ToArray(),
        ElementType.Int32 => Array.ConvertAll(AsSpan<int>().ToArray(), x => (long)x),
        _ => Array.ConvertAll(ToDoubles(), x => (long)x),
    };

    // ---- construction ----

    /// <summary>A tensor over little-endian <paramref name="bytes"/> (not copied); their length must match the type and dims.</summary>
    public static Tensor FromBytes(string name, ElementType type, long[] dims, ReadOnlyMemory<byte> bytes)
    {
        long count = CheckedElementCount(dims, name);
        long expected = type.ByteCount(count);
        if (bytes.Length != expected)
            throw new ArgumentException($"tensor '{name}': {bytes.Length} bytes given, {expected} expected");
        return new Tensor(name, type, (long[])dims.Clone(), count) { _bytes = bytes, _hasBytes = true };
    }

    /// <summary>A tensor holding <paramref name="data"/> as <paramref name="type"/> elements.</summary>
    public static Tensor Create<T>(string name, ElementType type, long[] dims, T[] data) where T : unmanaged =>
        FromBytes(name, type, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    /// <summary>A float tensor holding <paramref name="data"/>.</summary>
    public static Tensor FromFloats(string name, long[] dims, float[] data) => Create(name, ElementType.Float, dims, data);
    /// <summary>An int64 tensor holding <paramref name="data"/>.</summary>
    public static Tensor FromInt64s(string name, long[] dims, long[] data) => Create(name, ElementType.Int64, dims, data);

    /// <summary>Builds a floating-point tensor from doubles, rounding each value once to the target type.</summary>
    public static Tensor FromDoubles(string name, ElementType type, long[] dims, ReadOnlySpan<double> values)
    {
        int n = values.Length;
        byte[] bytes = new byte[type.ByteCount(n)];
        switch (type)
        {
            case ElementType.Float: { var d = MemoryMarshal.Cast<byte, float>(bytes.AsSpan()); for (int i = 0; i < n; i++) d[i] = (float)values[i]; break; }
            case ElementType.Double: values.CopyTo(MemoryMarshal.Cast<byte, double>(bytes.AsSpan())); break;
            case ElementType.Float16: { var d = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()); for (int i = 0; i < n; i++) d[i] = FloatBits.DoubleToHalf(values[i]); break; }
            case ElementType.BFloat16: { var d = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()); for (int i = 0; i < n; i++) d[i] = FloatBits.DoubleToBFloat16(values[i]); break; }
            default: throw new ArgumentException($"FromDoubles: {type.Name()} is not a floating-point type");
        }
        return FromBytes(name, type, dims, bytes);
    }

    internal static long CheckedElementCount(IReadOnlyList<long> dims, string name)
    {
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new BadInputException($"tensor '{name}' has a negative dim ({d})");
            try { count = checked(count * d); }
            catch (OverflowException) { throw new BadInputException($"tensor '{name}': the product of its dims overflows 64 bits"); }
        }
        return count;
    }

    /// <summary>Reads a TensorProto, checking that its data fits its dims and type.</summary>
    internal static Tensor FromProto(TensorProto p, ExternalDataStore? store, LoadLimits limits, string context, RawDataStripper? payloads = null)
    {
        string name = p.Name;
        string label = name.Length > 0 ? $"tensor '{name}'" : $"unnamed tensor ({context})";
        var type = (ElementType)p.DataType;
        if (!type.IsKnown()) throw new BadInputException($"{label} has unknown element type {p.DataType}");
        if (p.Segment is not null) throw new BadInputException($"{label} uses 'segment', which is not supported");
        long count;
        try { count = CheckedElementCount(p.Dims, name); }
        catch (BadInputException e) { throw new BadInputException(e.Message.Replace($"tensor '{name}'", label)); }
        var t = new Tensor(name, type, p.Dims.ToArray(), count);

        if (type == ElementType.String)
        {
            if (p.StringData.Count != count) throw new BadInputException($"{label} declares {count} strings but holds {p.StringData.Count}");
            // Strings count toward the same cap as numbers: their text, plus the object each becomes when run.
            long textBytes = 0;
            foreach (var str in p.StringData) textBytes += str.Length + 24;
            if (textBytes > limits.MaxTensorBytes)
                throw new BadInputException($"{label} holds {textBytes:N0} bytes of strings, over the {limits.MaxTensorBytes:N0}-byte limit for one tensor");
            return new Tensor(name, type, t.Dims, count) { _strings = p.StringData };
        }

        long byteLength;
        try { byteLength = type.ByteCount(count); }
        catch (OverflowException) { throw new BadInputException($"{label}: its byte size overflows 64 bits"); }
        if (byteLength > limits.MaxTensorBytes)
            throw new BadInputException($"{label} declares {byteLength:N0} bytes, over the {limits.MaxTensorBytes:N0}-byte limit for one tensor");

        int fieldsSet = (p.HasRawData ? 1 : 0) + (p.FloatData.Count > 0 ? 1 : 0) + (p.Int32Data.Count > 0 ? 1 : 0)
            + (p.Int64Data.Count > 0 ? 1 : 0) + (p.DoubleData.Count > 0 ? 1 : 0) + (p.Uint64Data.Count > 0 ? 1 : 0)
            + (p.StringData.Count > 0 ? 1 : 0);
        bool external = p.HasDataLocation && p.DataLocation == TensorProto.Types.DataLocation.External;
        if (external)
        {
            if (fieldsSet > 0) throw new BadInputException($"{label} is external but also holds inline data");
            if (store is null) throw new BadInputException($"{label} refers to external data, but the model was not loaded from a file");
            var ext = store.Describe(p, label, byteLength);
            return new Tensor(name, type, t.Dims, count) { _original = p, _external = ext };
        }
        if (fieldsSet > 1) throw new BadInputException($"{label} sets several data fields at once");

        var result = new Tensor(name, type, t.Dims, count) { _original = p };
        if (p.HasRawData)
        {
            ReadOnlyMemory<byte> raw = default;
            bool elsewhere = payloads is not null && payloads.TryResolve(p, out raw);
            if (!elsewhere) raw = p.RawData.Memory;
            if (raw.Length != byteLength)
                throw new BadInputException($"{label}: raw_data has {raw.Length} bytes, but {string.Join('x', p.Dims)} {type.Name()} needs {byteLength}");
            result._bytes = raw;
            result._hasBytes = true;
            result._rawDataElsewhere = elsewhere;
            return result;
        }
        long have = TypedFieldCount(p, type);
        long want = type is ElementType.Complex64 or ElementType.Complex128 ? count * 2 : count;
        if (type.BitSize() < 8) want = (count * type.BitSize() + 31) / 32; // sub-byte types pack into int32_data
        if (have != want)
            throw new BadInputException($"{label}: holds {have} values in its typed field, but its dims need {want}");
        return result;
    }

    private static long TypedFieldCount(TensorProto p, ElementType type) => type switch
    {
        ElementType.Float or ElementType.Complex64 => p.FloatData.Count,
        ElementType.Double or ElementType.Complex128 => p.DoubleData.Count,
        ElementType.Int64 => p.Int64Data.Count,
        ElementType.UInt32 or ElementType.UInt64 => p.Uint64Data.Count,
        _ => p.Int32Data.Count,
    };

    private byte[] DecodeTypedFields(TensorProto p)
    {
        var bytes = new byte[ByteLength];
        var span = bytes.AsSpan();
        switch (ElementType)
        {
            case ElementType.Float: case ElementType.Complex64:
                for (int i = 0; i < p.FloatData.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], p.FloatData[i]);
                break;
            case ElementType.Double: case ElementType.Complex128:
                for (int i = 0; i < p.DoubleData.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], p.DoubleData[i]);
                break;
            case ElementType.Int64:
                for (int i = 0; i < p.Int64Data.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], p.Int64Data[i]);
                break;
            case ElementType.UInt32:
                for (int i = 0; i < p.Uint64Data.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], (uint)p.Uint64Data[i]);
                break;
            case ElementType.UInt64:
                for (int i = 0; i < p.Uint64Data.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], p.Uint64Data[i]);
                break;
            default:
            {
                int bits = ElementType.BitSize();
                if (bits >= 8)
                {
                    // int32_data holds one element per int32, in its low bits (fp16, bf16, int8, bool, float8, ...).
                    int size = bits / 8;
                    for (int i = 0; i < p.Int32Data.Count; i++)
                    {
                        int v = p.Int32Data[i];
                        for (int b = 0; b < size; b++) span[i * size + b] = (byte)(v >> (8 * b));
                    }
                }
                else
                {
                    // Sub-byte types: the int32 values are the packed bytes, low byte first.
                    for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(p.Int32Data[i / 4] >> (8 * (i % 4)));
                }
                break;
            }
        }
        return bytes;
    }

    /// <summary>A second tensor over the same data (same proto, mapping or buffer), for a model copy to rename freely.</summary>
    internal Tensor Share() => new(Name, ElementType, Dims, ElementCount)
    {
        _original = _original,
        _external = _external,
        _strings = _strings,
        _bytes = _bytes,
        _hasBytes = _hasBytes,
        _rawDataElsewhere = _rawDataElsewhere,
    };

    /// <summary>True while the tensor is exactly what was loaded (so it saves byte-identical).</summary>
    public bool IsUnchangedFromFile => _original is not null;

    /// <summary>
    /// The TensorProto to write. An unchanged tensor reuses its original proto; new data is written as
    /// raw_data. External tensors keep their reference unless the saver relocates them.
    /// </summary>
    internal TensorProto ToProto()
    {
        if (_original is not null)
        {
            if (_original.Name == Name && !_rawDataElsewhere) return _original;
            var copy = _original.Clone();
            copy.Name = Name;
            if (_rawDataElsewhere) copy.RawData = UnsafeByteOperations.UnsafeWrap(_bytes);
            return copy;
        }
        var p = new TensorProto { DataType = (int)ElementType };
        if (Name.Length > 0) p.Name = Name;
        p.Dims.AddRange(Dims);
        if (ElementType == ElementType.String) p.StringData.AddRange(StringBytes);
        else p.RawData = UnsafeByteOperations.UnsafeWrap(Bytes);
        return p;
    }

    /// <summary>A proto with the data inline as raw_data (used to bring external data back in).</summary>
    internal TensorProto ToInlineProto()
    {
        var p = ToProto();
        if (!IsExternal) return p;
        var q = p.Clone();
        q.ExternalData.Clear();
        q.ClearDataLocation();
        q.RawData = UnsafeByteOperations.UnsafeWrap(Bytes);
        return q;
    }
}
