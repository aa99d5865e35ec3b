using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Operators;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// fp16 models compute each node in float32 between two conversions (ComputeInFloat → Cast.Convert), which
/// run on vector instructions. They must give exactly what .NET's scalar casts give, the per-node rounding
/// the declared-precision contract promises.
/// </summary>
public class HalfConversionTests
{
    [Fact]
    public void EveryHalfWidensToTheSameFloatAsTheScalarCast()
    {
        var halves = new Half[65536];
        for (int i = 0; i < halves.Length; i++) halves[i] = BitConverter.UInt16BitsToHalf((ushort)i);
        var dst = TensorValue.Allocate(ElementType.Float, new long[] { halves.Length });
        Cast.Convert(TensorValue.Wrap(ElementType.Float16, new long[] { halves.Length }, halves), dst);
        var got = (float[])dst.Buffer;
        for (int i = 0; i < halves.Length; i++)
        {
            float expected = (float)halves[i];
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(got[i]), $"half bits {i:x4}");
            else Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(got[i]),
                $"half bits {i:x4}: expected {expected}, got {got[i]}");
        }
    }

    [Fact]
    public void FloatsNarrowToTheSameHalfAsTheScalarCastAcrossTheBitRange()
    {
        // A stride through all 2^32 float bit patterns (odd offsets reach every exponent and low mantissa
        // bit pattern), plus the rounding cases: ties to even, the largest finite half, subnormals, signed zero.
        var floats = new List<float>();
        for (long bits = 0; bits <= uint.MaxValue; bits += 257) floats.Add(BitConverter.UInt32BitsToSingle((uint)bits));
        floats.AddRange(new[] { 65504f, 65519.99f, 65520f, -65520f, 1f + 1f / 2048, 1f + 3f / 2048, 5.96e-8f, 2.98e-8f, 2.99e-8f,
            -0f, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN });
        var src = floats.ToArray();
        var dst = TensorValue.Allocate(ElementType.Float16, new long[] { src.Length });
        Cast.Convert(TensorValue.Wrap(ElementType.Float, new long[] { src.Length }, src), dst);
        var got = (Half[])dst.Buffer;
        int mismatches = 0;
        string first = "";
        for (int i = 0; i < src.Length; i++)
        {
            var expected = (Half)src[i];
            bool same = Half.IsNaN(expected) ? Half.IsNaN(got[i])
                : BitConverter.HalfToUInt16Bits(expected) == BitConverter.HalfToUInt16Bits(got[i]);
            if (!same && mismatches++ == 0) first = $"float bits {BitConverter.SingleToUInt32Bits(src[i]):x8}: expected {expected}, got {got[i]}";
        }
        Assert.True(mismatches == 0, $"{mismatches} mismatches; first: {first}");
    }
}
