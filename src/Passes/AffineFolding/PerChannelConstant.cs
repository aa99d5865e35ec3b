using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A constant operand of an elementwise op seen as one value per channel: every dim is 1 except at most one,
/// the channel axis, counted from the end as broadcasting aligns it. <see cref="AxisFromEnd"/> is null for a
/// constant with a single value (it scales or shifts every channel alike).
/// </summary>
internal sealed record PerChannelConstant(double[] Values, int? AxisFromEnd, int Rank)
{
    /// <summary>Null when the constant is not floating point or varies along more than one axis.</summary>
    public static PerChannelConstant? Of(Tensor c)
    {
        if (!c.ElementType.IsFloatingPoint()) return null;
        int axis = -1;
        for (int i = 0; i < c.Rank; i++)
        {
            if (c.Dims[i] == 1) continue;
            if (axis >= 0) return null;
            axis = i;
        }
        return new PerChannelConstant(c.ToDoubles(), axis < 0 ? null : axis - c.Rank, c.Rank);
    }

    /// <summary>True if this constant's channel axis is <paramref name="axis"/> (negative: from the end) of a value of rank <paramref name="rank"/>.</summary>
    public bool LiesAlong(int? axis, int? rank)
    {
        if (AxisFromEnd is null) return true;
        if (axis is null) return false;
        if (axis < 0) return axis == AxisFromEnd;
        return rank is { } r && axis - r == AxisFromEnd;
    }
}
