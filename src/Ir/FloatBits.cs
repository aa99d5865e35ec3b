namespace OnnxNorm.Ir;

/// <summary>Conversions for the 16-bit float formats. Half is .NET's; bfloat16 is the top half of a float32.</summary>
public static class FloatBits
{
    /// <summary>The float a bfloat16 bit pattern stands for (exact).</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round to nearest even, as ONNX and PyTorch do; NaN stays a quiet NaN.</summary>
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>The float an IEEE half bit pattern stands for (exact).</summary>
    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>One rounding from double to half; going through float first would round twice.</summary>
    public static ushort DoubleToHalf(double value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>One rounding from double to bfloat16 (round to nearest even on the double's bits).</summary>
    public static ushort DoubleToBFloat16(double value)
    {
        if (double.IsNaN(value)) return 0x7FC0;
        float f = (float)value;
        // Rounding double->float->bf16 can double-round; fix the rare tie case by looking at the exact value.
        ushort candidate = SingleToBFloat16(f);
        double a = BFloat16ToSingle(candidate);
        if (a == value || double.IsInfinity(a)) return candidate;
        ushort other = a < value ? NextUp(candidate) : NextDown(candidate);
        double b = BFloat16ToSingle(other);
        if (double.IsNaN(b) || double.IsInfinity(b)) return candidate;
        double da = Math.Abs(a - value), db = Math.Abs(b - value);
        if (db < da) return other;
        if (db == da && (other & 1) == 0) return other;
        return candidate;
    }

    private static ushort NextUp(ushort bf) => (bf & 0x8000) != 0 ? (bf == 0x8000 ? (ushort)1 : (ushort)(bf - 1)) : (ushort)(bf + 1);
    private static ushort NextDown(ushort bf) => (bf & 0x8000) != 0 ? (ushort)(bf + 1) : (bf == 0 ? (ushort)0x8001 : (ushort)(bf - 1));
}
