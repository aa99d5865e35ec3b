namespace OnnxNorm.Ir;

/// <summary>ONNX tensor element types; the numbers are the wire values of TensorProto.DataType.</summary>
public enum ElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
    UInt2 = 25,
    Int2 = 26,
}

public static class ElementTypes
{
    /// <summary>Bits per element; 0 for strings and unknown types.</summary>
    public static int BitSize(this ElementType t) => t switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 32,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool => 8,
        ElementType.Float8E4M3FN or ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2
            or ElementType.Float8E5M2FNUZ or ElementType.Float8E8M0 => 8,
        ElementType.UInt16 or ElementType.Int16 or ElementType.Float16 or ElementType.BFloat16 => 16,
        ElementType.Int64 or ElementType.UInt64 or ElementType.Double or ElementType.Complex64 => 64,
        ElementType.Complex128 => 128,
        ElementType.UInt4 or ElementType.Int4 or ElementType.Float4E2M1 => 4,
        ElementType.UInt2 or ElementType.Int2 => 2,
        _ => 0,
    };

    public static bool IsKnown(this ElementType t) => t != ElementType.Undefined && Enum.IsDefined(t);

    /// <summary>Bytes needed for <paramref name="count"/> elements, rounding sub-byte types up. Throws on overflow.</summary>
    public static long ByteCount(this ElementType t, long count)
    {
        int bits = t.BitSize();
        if (bits == 0) throw new InvalidOperationException($"element type {t.Name()} has no fixed size");
        return bits >= 8 ? checked(count * (bits / 8)) : checked((count * bits + 7) / 8);
    }

    public static bool IsFloatingPoint(this ElementType t) =>
        t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    public static string Name(this ElementType t) => t switch
    {
        ElementType.Float => "float32",
        ElementType.Double => "float64",
        ElementType.Float16 => "float16",
        ElementType.BFloat16 => "bfloat16",
        ElementType.Int64 => "int64",
        ElementType.Int32 => "int32",
        ElementType.Int16 => "int16",
        ElementType.Int8 => "int8",
        ElementType.UInt8 => "uint8",
        ElementType.UInt16 => "uint16",
        ElementType.UInt32 => "uint32",
        ElementType.UInt64 => "uint64",
        ElementType.Bool => "bool",
        ElementType.String => "string",
        _ => Enum.IsDefined(t) ? t.ToString().ToLowerInvariant() : $"type#{(int)t}",
    };
}
