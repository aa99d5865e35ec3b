using OnnxNorm.Ir;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// Distance in units in the last place of the element type: how many representable values lie between two
/// numbers. Floats are mapped to integers that are ordered like the numbers they encode (sign-magnitude to
/// two's complement), so the distance is a subtraction; -0 and +0 are 0 apart.
/// </summary>
public static class UlpDistance
{
    /// <summary>How many float32 values lie between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static ulong Float32(float a, float b) => Distance(Ordered(BitConverter.SingleToInt32Bits(a)), Ordered(BitConverter.SingleToInt32Bits(b)));

    /// <summary>How many float64 values lie between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static ulong Float64(double a, double b)
    {
        long ia = BitConverter.DoubleToInt64Bits(a), ib = BitConverter.DoubleToInt64Bits(b);
        long oa = ia < 0 ? long.MinValue - ia : ia, ob = ib < 0 ? long.MinValue - ib : ib;
        return oa >= ob ? (ulong)oa - (ulong)ob : (ulong)ob - (ulong)oa;
    }

    /// <summary>For float16 and bfloat16, both 16-bit sign-magnitude formats.</summary>
    public static ulong Bits16(ushort a, ushort b) => Distance(Ordered16(a), Ordered16(b));

    private static long Ordered(int bits) => bits < 0 ? (long)int.MinValue - bits : bits;
    private static long Ordered16(ushort bits) => (bits & 0x8000) != 0 ? -(long)(bits & 0x7FFF) : bits;
    private static ulong Distance(long a, long b) => (ulong)Math.Abs(a - b);

    /// <summary>ULPs between two values after rounding both to <paramref name="type"/> (for mixed-type comparisons).</summary>
    public static ulong InType(ElementType type, double a, double b) => type switch
    {
        ElementType.Double => Float64(a, b),
        ElementType.Float => Float32((float)a, (float)b),
        ElementType.Float16 => Bits16(FloatBits.DoubleToHalf(a), FloatBits.DoubleToHalf(b)),
        ElementType.BFloat16 => Bits16(FloatBits.DoubleToBFloat16(a), FloatBits.DoubleToBFloat16(b)),
        _ => 0,
    };

    /// <summary>The ULP distance of element i of two tensors of the same type (integers: plain difference).</summary>
    public static ulong At(TensorValue a, TensorValue b, int i) => a.Buffer switch
    {
        float[] x => Float32(x[i], ((float[])b.Buffer)[i]),
        double[] x => Float64(x[i], ((double[])b.Buffer)[i]),
        Half[] x => Bits16(BitConverter.HalfToUInt16Bits(x[i]), BitConverter.HalfToUInt16Bits(((Half[])b.Buffer)[i])),
        ushort[] x when a.ElementType == ElementType.BFloat16 => Bits16(x[i], ((ushort[])b.Buffer)[i]),
        _ => 0, // integers: the caller uses the absolute difference
    };
}
