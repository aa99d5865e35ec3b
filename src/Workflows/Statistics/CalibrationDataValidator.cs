using OnnxNorm.Ir;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// The checks every calibration batch passes before a model sees it, so that bad data is a one-line refusal
/// naming the file and sample (exit 2), never "Infinity" scores or NaN statistics written into a model:
/// the batch holds at least one sample and at least one value per sample; its rank, fixed dims and element
/// type are those the model declares for the input; every floating-point value is finite and small enough
/// (|x| &lt;= <see cref="MaxMagnitude"/>) that its square, and so the variance, stays within float32, which BN stores.
/// The model's declaration is optional: without it only the emptiness and finiteness checks run.
/// </summary>
internal sealed class CalibrationDataValidator
{
    /// <summary>|x| above this would give a variance past float32's range (x² > 3.4e38).</summary>
    public const double MaxMagnitude = 1e18;

    private readonly IReadOnlyDictionary<string, Value> _declared;

    public CalibrationDataValidator(IReadOnlyDictionary<string, Value>? declared = null) =>
        _declared = declared ?? new Dictionary<string, Value>(StringComparer.Ordinal);

    /// <summary>A validator for the graph inputs of <paramref name="model"/>.</summary>
    public static CalibrationDataValidator For(Model model) =>
        new(model.Graph.Inputs.Where(v => !v.IsInitializer).ToDictionary(v => v.Name, StringComparer.Ordinal));

    /// <param name="where">the file, and the entry inside it for an .npz (e.g. "data.npz, entry 'b3'").</param>
    /// <param name="input">the model input the batch feeds.</param>
    /// <param name="batch">the batch as read from the file.</param>
    public void Check(string where, string input, TensorValue batch)
    {
        if (batch.Rank == 0)
            throw new BadInputException($"{where}: input '{input}' is a scalar; calibration data needs a batch axis [N, ...]");
        if (batch.Shape[0] == 0)
            throw new BadInputException($"{where}: input '{input}' holds no samples (an empty batch, shape [{Dims(batch.Shape)}])");
        if (batch.Length == 0)
            throw new BadInputException($"{where}: input '{input}' holds no values (shape [{Dims(batch.Shape)}])");
        if (_declared.TryGetValue(input, out var value)) CheckDeclaration(where, input, batch, value);
        CheckFinite(where, input, batch);
    }

    private static void CheckDeclaration(string where, string input, TensorValue batch, Value declared)
    {
        var type = declared.ElementType;
        if (type != ElementType.Undefined && type != batch.ElementType)
            throw new BadInputException($"{where}: input '{input}' is {batch.ElementType.Name()} but the model declares {type.Name()}");
        if (declared.Shape is not { } dims) return;
        if (dims.Length != batch.Rank)
            throw new BadInputException($"{where}: input '{input}' has shape [{Dims(batch.Shape)}] but the model declares [{string.Join(',', dims)}] (rank {dims.Length})");
        for (int d = 0; d < dims.Length; d++)
            if (dims[d].Value is long fixedDim && fixedDim != batch.Shape[d])
                throw new BadInputException($"{where}: input '{input}' has shape [{Dims(batch.Shape)}] but the model declares [{string.Join(',', dims)}] (dim {d} must be {fixedDim})");
    }

    private static void CheckFinite(string where, string input, TensorValue batch)
    {
        long perSample = batch.Length / batch.Shape[0];
        int bad = batch.ElementType switch
        {
            ElementType.Float => FirstBad(batch.AsSpan<float>()),
            ElementType.Double => FirstBad(batch.AsSpan<double>()),
            ElementType.Float16 => FirstBad(batch.AsSpan<Half>()),
            ElementType.BFloat16 => FirstBadBFloat16(batch.AsSpan<ushort>()),
            _ => -1,
        };
        if (bad < 0) return;
        double v = batch.ToDoubles()[bad];
        string what = double.IsNaN(v) ? "NaN" : double.IsInfinity(v) ? (v > 0 ? "+Inf" : "-Inf")
            : $"{v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}, too large for the statistics (|x| > {MaxMagnitude:G1})";
        throw new BadInputException($"{where}: input '{input}' sample {bad / perSample} (of {batch.Shape[0]}) holds {what} at element {bad % perSample}; calibration data must be finite");
    }

    private static int FirstBad(ReadOnlySpan<float> s)
    {
        for (int i = 0; i < s.Length; i++) if (!(Math.Abs(s[i]) <= MaxMagnitude)) return i;
        return -1;
    }

    private static int FirstBad(ReadOnlySpan<double> s)
    {
        for (int i = 0; i < s.Length; i++) if (!(Math.Abs(s[i]) <= MaxMagnitude)) return i;
        return -1;
    }

    private static int FirstBad(ReadOnlySpan<Half> s)
    {
        for (int i = 0; i < s.Length; i++) if (!Half.IsFinite(s[i])) return i;
        return -1;
    }

    // bfloat16 is stored as its bit pattern: an all-ones exponent is Inf or NaN.
    private static int FirstBadBFloat16(ReadOnlySpan<ushort> s)
    {
        for (int i = 0; i < s.Length; i++) if ((s[i] & 0x7F80) == 0x7F80) return i;
        return -1;
    }

    private static string Dims(long[] shape) => string.Join(',', shape);
}
