using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>Turns fold results computed in double into a tensor of the weight's dtype, rounding once.</summary>
internal static class FoldedTensor
{
    /// <summary>
    /// The tensor, or null (with a refusal) when a finite value overflows the dtype: a float16 weight
    /// scaled by a large γ/√(σ²+ε) can exceed 65504, and writing Inf would silently break the model.
    /// </summary>
    public static Tensor? TryCreate(string name, ElementType type, long[] dims, double[] values, string what, out FoldRefusal? refusal)
    {
        var t = Tensor.FromDoubles(name, type, dims, values);
        // Scan the rounded values in their own type: expanding them back to doubles would cost 8 bytes per
        // weight on the largest tensors of the model.
        int i = FirstOverflow(t, values);
        if (i >= 0)
        {
            refusal = new(FoldRefusalCodes.FoldedWeightOverflow, DiagnosticSeverity.Warning,
                $"folded {what}[{i}] = {values[i]:G6} does not fit {type.Name()}");
            return null;
        }
        refusal = null;
        return t;
    }

    /// <summary>The first index whose finite value became infinite when rounded, or -1.</summary>
    private static int FirstOverflow(Tensor t, double[] values)
    {
        switch (t.ElementType)
        {
            case ElementType.Float:
            {
                var r = t.AsSpan<float>();
                for (int i = 0; i < r.Length; i++) if (float.IsInfinity(r[i]) && double.IsFinite(values[i])) return i;
                return -1;
            }
            case ElementType.Float16:
            case ElementType.BFloat16:
            {
                // Both store infinity as an all-ones exponent with a zero mantissa.
                ushort expMask = t.ElementType == ElementType.Float16 ? (ushort)0x7C00 : (ushort)0x7F80;
                ushort mantMask = (ushort)(~expMask & 0x7FFF);
                var r = t.AsSpan<ushort>();
                for (int i = 0; i < r.Length; i++)
                    if ((r[i] & expMask) == expMask && (r[i] & mantMask) == 0 && double.IsFinite(values[i])) return i;
                return -1;
            }
            default:
                return -1;
        }
    }
}
