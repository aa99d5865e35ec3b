using System.Runtime.InteropServices;
using OnnxNorm.Ir;

namespace OnnxNorm.Runtime;

/// <summary>
/// A dense, C-order tensor at run time: element type, shape and a typed managed array (float[], double[],
/// Half[], ushort[] for bfloat16, long[], int[], short[], sbyte[], byte[], bool[], uint/ulong/ushort arrays,
/// string[]). ORT inputs/outputs, .npy files and the native executor all exchange this type. The array may
/// be longer than <see cref="Length"/> (pooled buffers); only the first Length elements belong to it.
/// </summary>
public sealed class TensorValue
{
    private TensorValue(ElementType type, long[] shape, Array buffer, int length)
    {
        ElementType = type;
        Shape = shape;
        Buffer = buffer;
        Length = length;
    }

    /// <summary>The element type.</summary>
    public ElementType ElementType { get; }
    /// <summary>The dims.</summary>
    public long[] Shape { get; }
    /// <summary>The number of dims.</summary>
    public int Rank => Shape.Length;
    /// <summary>The backing array (T[] of the element type's CLR type); may be longer than <see cref="Length"/>.</summary>
    public Array Buffer { get; }
    /// <summary>The number of elements (product of the shape).</summary>
    public int Length { get; }

    /// <summary>The elements as a span of <typeparamref name="T"/>, which must be the buffer's element type.</summary>
    public Span<T> AsSpan<T>()
    {
        if (Buffer is not T[] a) throw new InvalidOperationException($"tensor holds {ElementType.Name()}, not {typeof(T).Name}");
        return new Span<T>(a, 0, Length);
    }

    /// <summary>The raw little-endian bytes of the elements (not for strings).</summary>
    public Span<byte> AsBytes() => Buffer switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        Half[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        byte[] a => a.AsSpan(0, Length),
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        uint[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan(0, Length)),
        _ => throw new InvalidOperationException($"tensor of {ElementType.Name()} has no byte view"),
    };

    /// <summary>The .NET element type that stores an ONNX element type.</summary>
    public static Type ClrType(ElementType t) => t switch
    {
        ElementType.Float => typeof(float),
        ElementType.Double => typeof(double),
        ElementType.Float16 => typeof(Half),
        ElementType.BFloat16 => typeof(ushort),
        ElementType.Int64 => typeof(long),
        ElementType.Int32 => typeof(int),
        ElementType.Int16 => typeof(short),
        ElementType.Int8 => typeof(sbyte),
        ElementType.UInt8 => typeof(byte),
        ElementType.UInt16 => typeof(ushort),
        ElementType.UInt32 => typeof(uint),
        ElementType.UInt64 => typeof(ulong),
        ElementType.Bool => typeof(bool),
        ElementType.String => typeof(string),
        _ => throw new BadInputException($"element type {t.Name()} is not supported at run time"),
    };

    /// <summary>Number of elements of a shape, checked: a negative dim or an overflow is bad input.</summary>
    public static int ElementCount(IReadOnlyList<long> shape, string what = "tensor")
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new BadInputException($"{what}: negative dim {d}");
            try { n = checked(n * d); }
            catch (OverflowException) { throw new BadInputException($"{what}: the product of its dims overflows"); }
        }
        if (n > Array.MaxLength) throw new BadInputException($"{what}: {n:N0} elements is more than one buffer can hold");
        return (int)n;
    }

    /// <summary>A zero-filled tensor of <paramref name="type"/> and <paramref name="shape"/>; <paramref name="what"/> names it in size errors.</summary>
    public static TensorValue Allocate(ElementType type, long[] shape, string what = "tensor")
    {
        int n = ElementCount(shape, what);
        // Byte views (AsBytes, copies from ORT, .npy writes) are spans: past 2 GiB they cannot exist.
        if (type != ElementType.String && TensorValue.IsSupported(type) && type.ByteCount(n) > int.MaxValue)
            throw new BadInputException($"{what}: [{string.Join(',', shape)}] of {type.Name()} is {type.ByteCount(n):N0} bytes; tensors over 2 GiB are not supported");
        return new TensorValue(type, shape, NewArray(type, n), n);
    }

    // A switch rather than Array.CreateInstance, so the native (AOT) build knows every array type.
    private static Array NewArray(ElementType t, int n) => t switch
    {
        ElementType.Float => new float[n],
        ElementType.Double => new double[n],
        ElementType.Float16 => new Half[n],
        ElementType.BFloat16 or ElementType.UInt16 => new ushort[n],
        ElementType.Int64 => new long[n],
        ElementType.Int32 => new int[n],
        ElementType.Int16 => new short[n],
        ElementType.Int8 => new sbyte[n],
        ElementType.UInt8 => new byte[n],
        ElementType.UInt32 => new uint[n],
        ElementType.UInt64 => new ulong[n],
        ElementType.Bool => new bool[n],
        ElementType.String => new string[n],
        _ => throw new BadInputException($"element type {t.Name()} is not supported at run time ({SupportedText})"),
    };

    /// <summary>Whether a tensor of this element type can be held (complex, float8, int4 and non-tensor types cannot).</summary>
    public static bool IsSupported(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16
        or ElementType.UInt16 or ElementType.Int64 or ElementType.Int32 or ElementType.Int16 or ElementType.Int8 or ElementType.UInt8
        or ElementType.UInt32 or ElementType.UInt64 or ElementType.Bool or ElementType.String;

    /// <summary>The supported element types, for error messages.</summary>
    public const string SupportedText = "supported: float, double, float16, bfloat16, int8..64, uint8..64, bool, string";

    /// <summary>Wraps an existing array (not copied). It must hold at least the shape's element count.</summary>
    public static TensorValue Wrap(ElementType type, long[] shape, Array buffer)
    {
        int n = ElementCount(shape);
        if (buffer.GetType().GetElementType() != ClrType(type))
            throw new ArgumentException($"a {type.Name()} tensor needs a {ClrType(type).Name}[] buffer, not {buffer.GetType().Name}");
        if (buffer.Length < n) throw new ArgumentException($"buffer holds {buffer.Length} elements, shape needs {n}");
        return new TensorValue(type, shape, buffer, n);
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a float tensor of <paramref name="shape"/>.</summary>
    public static TensorValue FromFloats(long[] shape, float[] data) => Wrap(ElementType.Float, shape, data);

    /// <summary>Copies a graph constant into a run-time tensor.</summary>
    public static TensorValue FromTensor(Tensor t)
    {
        var shape = (long[])t.Dims.Clone();
        if (t.ElementType == ElementType.String)
            return Wrap(ElementType.String, shape, t.Strings);
        var v = Allocate(t.ElementType, shape);
        // Copied in chunks, each chunk's mapped pages dropped once copied: the copy is what runs from now on,
        // and a 1 GiB weight then never has its mapped pages and its copy resident at once.
        var target = v.AsBytes();
        const int Chunk = 16 << 20;
        for (int start = 0; start < target.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, target.Length - start);
            t.Bytes.Span.Slice(start, n).CopyTo(target.Slice(start, n));
            t.DropResidentPages(start, n);
        }
        return v;
    }

    /// <summary>A view with another shape over the same buffer (Reshape/Flatten/Squeeze need no copy).</summary>
    public TensorValue Reshaped(long[] shape)
    {
        if (ElementCount(shape) != Length) throw new ArgumentException($"cannot view {Length} elements as [{string.Join(',', shape)}]");
        return new TensorValue(ElementType, shape, Buffer, Length);
    }

    /// <summary>The first <paramref name="count"/> values as doubles (a preview costs no copy of the whole tensor).</summary>
    public double[] HeadAsDoubles(int count)
    {
        int m = Math.Min(count, Length);
        return new TensorValue(ElementType, new long[] { m }, Buffer, m).ToDoubles();
    }

    /// <summary>Values as doubles (any numeric type), for comparisons and statistics.</summary>
    public double[] ToDoubles()
    {
        var r = new double[Length];
        switch (Buffer)
        {
            case float[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case double[] a: Array.Copy(a, r, Length); break;
            case Half[] a: for (int i = 0; i < Length; i++) r[i] = (double)a[i]; break;
            case ushort[] a when ElementType == ElementType.BFloat16: for (int i = 0; i < Length; i++) r[i] = FloatBits.BFloat16ToSingle(a[i]); break;
            case ushort[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case long[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case int[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case short[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case sbyte[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case byte[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case bool[] a: for (int i = 0; i < Length; i++) r[i] = a[i] ? 1 : 0; break;
            case uint[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            case ulong[] a: for (int i = 0; i < Length; i++) r[i] = a[i]; break;
            default: throw new InvalidOperationException($"{ElementType.Name()} tensor has no numeric values");
        }
        return r;
    }

    /// <summary>The element type and shape.</summary>
    public override string ToString() => $"{ElementType.Name()}[{string.Join(',', Shape)}]";
}
