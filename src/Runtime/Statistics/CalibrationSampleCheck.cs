using OnnxNorm.Graph;

namespace OnnxNorm.Runtime.Statistics;

/// <summary>
/// What a calibration batch must be before any statistic is computed from it: at least one sample, and
/// floating-point values that are finite and small enough that their squares (the variance) stay finite
/// in float32, which is what BN stores. A violation names the file and the sample (index along dim 0).
/// </summary>
public static class CalibrationSampleCheck
{
    /// <summary>|x| above this would give a variance past float32's range (x² > 3.4e38).</summary>
    public const double MaxMagnitude = 1e18;

    public static void Check(TensorValue v, string file)
    {
        if (v.Length == 0 || (v.Rank > 0 && v.Shape[0] == 0))
            throw new BadInputException($"{file}: the batch [{string.Join(',', v.Shape)}] holds no samples");
        long perSample = v.Rank == 0 || v.Shape[0] == 0 ? v.Length : v.Length / v.Shape[0];
        int bad = v.ElementType switch
        {
            ElementType.Float => FirstBad(v.AsSpan<float>()),
            ElementType.Double => FirstBad(v.AsSpan<double>()),
            ElementType.Float16 => FirstBad(v.AsSpan<Half>()),
            ElementType.BFloat16 => FirstBadBFloat16(v.AsSpan<ushort>()),
            _ => -1,
        };
        if (bad < 0) return;
        double x = v.ToDoubles()[bad];
        string what = double.IsNaN(x) ? "NaN" : double.IsInfinity(x) ? (x > 0 ? "+Inf" : "-Inf") : $"{x:G4}, too large for the statistics (|x| > {MaxMagnitude:G1})";
        throw new BadInputException($"{file}: sample {bad / perSample} holds {what} (element {bad}); calibration data must be finite");
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

    private static int FirstBadBFloat16(ReadOnlySpan<ushort> s)
    {
        for (int i = 0; i < s.Length; i++) if ((s[i] & 0x7F80) == 0x7F80) return i;
        return -1;
    }
}
