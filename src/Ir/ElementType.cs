namespace OnnxNorm.Ir;

/// <summary>ONNX tensor element types; the numbers are the wire values of TensorProto.DataType.</summary>
public enum ElementType
{
    /// <summary>No element type recorded.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>Variable-length string (bytes, by convention UTF-8).</summary>
    String = 8,
    /// <summary>Boolean, one byte.</summary>
    Bool = 9,
    /// <summary>16-bit IEEE half float.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>Complex of two 32-bit floats.</summary>
    Complex64 = 14,
    /// <summary>Complex of two 64-bit floats.</summary>
    Complex128 = 15,
    /// <summary>bfloat16 (the top 16 bits of a float32).</summary>
    BFloat16 = 16,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits, finite and NaN only.</summary>
    Float8E4M3FN = 17,
    /// <summary>8-bit float E4M3, finite, no negative zero.</summary>
    Float8E4M3FNUZ = 18,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    Float8E5M2 = 19,
    /// <summary>8-bit float E5M2, finite, no negative zero.</summary>
    Float8E5M2FNUZ = 20,
    /// <summary>Unsigned 4-bit integer, two per byte.</summary>
    UInt4 = 21,
    /// <summary>Signed 4-bit integer, two per byte.</summary>
    Int4 = 22,
    /// <summary>4-bit float, 2 exponent and 1 mantissa bit.</summary>
    Float4E2M1 = 23,
    /// <summary>8-bit exponent-only float (a scale).</summary>
    Float8E8M0 = 24,
    /// <summary>Unsigned 2-bit integer, four per byte.</summary>
    UInt2 = 25,
    /// <summary>Signed 2-bit integer, four per byte.</summary>
    Int2 = 26,
}

/// <summary>What OnnxNorm knows about each <see cref="ElementType"/>: names, sizes, kinds.</summary>
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

    /// <summary>Whether <paramref name="t"/> is one of the ONNX element types this build knows.</summary>
    public static bool IsKnown(this ElementType t) => t != ElementType.Undefined && Enum.IsDefined(t);

    /// <summary>Bytes needed for <paramref name="count"/> elements, rounding sub-byte types up. Throws on overflow.</summary>
    public static long ByteCount(this ElementType t, long count)
    {
        int bits = t.BitSize();
        if (bits == 0) throw new InvalidOperationException($"element type {t.Name()} has no fixed size");
        return bits >= 8 ? checked(count * (bits / 8)) : checked((count * bits + 7) / 8);
    }

    /// <summary>Whether <paramref name="t"/> is one of the floating-point types OnnxNorm computes with: float, double, float16, bfloat16 (not the float8/float4 types).</summary>
    public static bool IsFloatingPoint(this ElementType t) =>
        t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    /// <summary>The ONNX name of <paramref name="t"/>, e.g. "float", "int64".</summary>
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
