using OnnxNorm.Runtime.Operators;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// The float32 Add/Sub/Mul/Div loops against a plain scalar loop written here, bit for bit, on every operand layout
/// the loops special-case (same shape, scalar on either side, per-channel and inner-dimension broadcasts), with NaN,
/// ±0 and ±∞ among the values and lengths that leave ragged vector ends.
/// </summary>
public class BinaryArithmeticTests
{
    public static TheoryData<string, long[], long[]> Layouts => new()
    {
        { "Add", new long[] { 2, 3, 5, 7 }, new long[] { 2, 3, 5, 7 } },
        { "Sub", new long[] { 2, 3, 5, 7 }, new long[] { 1 } },
        { "Mul", new long[] { 1 }, new long[] { 2, 3, 5, 7 } },
        { "Div", new long[] { 2, 3, 5, 7 }, new long[] { 1, 3, 1, 1 } },
        { "Sub", new long[] { 1, 3, 1, 1 }, new long[] { 2, 3, 5, 7 } },
        { "Div", new long[] { 2, 3, 5, 7 }, new long[] { 7 } },
        { "Mul", new long[] { 2, 1, 5, 7 }, new long[] { 1, 3, 1, 7 } },
        { "Add", new long[] { 1 }, new long[] { 1 } },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_operator_gives_the_scalar_loops_bits_on_every_layout(string name, long[] aShape, long[] bShape)
    {
        var op = Enum.Parse<FloatKernels.Op>(name);
        var rng = new Random(5);
        float[] special = { float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1e-40f };
        float[] Fill(long[] shape) => Enumerable.Range(0, (int)shape.Aggregate(1L, (p, d) => p * d))
            .Select(i => i % 13 == 5 ? special[i % special.Length] : (float)(rng.NextDouble() * 4 - 2)).ToArray();
        float[] a = Fill(aShape), b = Fill(bShape);
        long[] yShape = Broadcast(aShape, bShape);
        int n = (int)yShape.Aggregate(1L, (p, d) => p * d);
        var y = new float[n];

        FloatKernels.Binary(op, a, aShape, b, bShape, y, yShape);

        for (int i = 0; i < n; i++)
        {
            float x = a[Index(i, yShape, aShape)], z = b[Index(i, yShape, bShape)];
            float expected = op switch { FloatKernels.Op.Add => x + z, FloatKernels.Op.Sub => x - z, FloatKernels.Op.Mul => x * z, _ => x / z };
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]) || (float.IsNaN(expected) && float.IsNaN(y[i])),
                $"{name} at {i}: {x} {z} gave {y[i]}, expected {expected}");
        }
    }

    private static long[] Broadcast(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var y = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            long da = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1, db = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            y[d] = Math.Max(da, db);
        }
        return y;
    }

    // The flat index into an operand of shape `s` (right-aligned, size-1 dims broadcast) for flat output index i.
    private static int Index(int i, long[] yShape, long[] s)
    {
        int index = 0, stride = 1, offset = yShape.Length - s.Length;
        for (int d = yShape.Length - 1; d >= 0; d--)
        {
            long coord = i % yShape[d];
            i /= (int)yShape[d];
            int sd = d - offset;
            if (sd < 0) continue;
            if (s[sd] != 1) index += (int)coord * stride;
            stride *= (int)s[sd];
        }
        return index;
    }
}
