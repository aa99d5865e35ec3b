using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>Turns fold results computed in double into a tensor of the weight's dtype, rounding once.</summary>
public static class FoldedTensor
{
    /// <summary>
    /// The tensor, or null (with a refusal) when a finite value overflows the dtype: a float16 weight
    /// scaled by a large γ/√(σ²+ε) can exceed 65504, and writing Inf would silently break the model.
    /// </summary>
    public static Tensor? TryCreate(string name, ElementType type, long[] dims, double[] values, string what, out FoldRefusal? refusal)
    {
        var t = Tensor.FromDoubles(name, type, dims, values);
        var rounded = t.ToDoubles();
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i]) && !double.IsFinite(rounded[i]))
            {
                refusal = new(FoldRefusalCodes.FoldedWeightOverflow, DiagnosticSeverity.Warning,
                    $"folded {what}[{i}] = {values[i]:G6} does not fit {type.Name()}");
                return null;
            }
        }
        refusal = null;
        return t;
    }
}
