using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The constant parameters of an inference-mode BatchNormalization, in double, and the per-channel affine
/// map it computes: y = x·Scale[c] + Shift[c] with Scale = γ/√(σ²+ε) and Shift = β − μ·Scale, formed as
/// <see cref="BatchNormArithmetic"/> says. Every fold starts here, so every fold refuses the same things for
/// the same reasons.
/// </summary>
internal sealed class BatchNormStatistics : IChannelAffine
{
    private BatchNormStatistics(double[] gamma, double[] beta, double[] mean, double[] variance, double epsilon,
        ElementType scaleType, bool allDouble, BatchNormArithmetic arithmetic)
    {
        Gamma = gamma; Beta = beta; Mean = mean; Variance = variance; Epsilon = epsilon; ScaleType = scaleType;
        Arithmetic = arithmetic;
        Scale = new double[gamma.Length];
        Shift = new double[gamma.Length];
        // A double BN is computed in double by every engine; anything narrower in float32.
        bool inFloat32 = arithmetic == BatchNormArithmetic.Inference && !allDouble;
        for (int c = 0; c < gamma.Length; c++)
        {
            if (inFloat32)
            {
                // Each step rounded to float32, in the order inference kernels use (no fused multiply-add).
                float inv = 1f / MathF.Sqrt((float)variance[c] + (float)epsilon);
                float scale = inv * (float)gamma[c];
                float product = (float)mean[c] * scale;
                Scale[c] = scale;
                Shift[c] = (float)beta[c] - product;
            }
            else if (arithmetic == BatchNormArithmetic.Inference)
            {
                double inv = 1.0 / Math.Sqrt(variance[c] + epsilon);
                Scale[c] = inv * gamma[c];
                Shift[c] = beta[c] - mean[c] * Scale[c];
            }
            else
            {
                Scale[c] = gamma[c] / Math.Sqrt(variance[c] + epsilon);
                Shift[c] = beta[c] - mean[c] * Scale[c];
            }
        }
    }

    /// <summary>How <see cref="Scale"/> and <see cref="Shift"/> were formed.</summary>
    public BatchNormArithmetic Arithmetic { get; }

    public double[] Gamma { get; }
    public double[] Beta { get; }
    public double[] Mean { get; }
    public double[] Variance { get; }
    public double Epsilon { get; }
    /// <summary>The element type of scale/B (BN-15 lets mean/var differ).</summary>
    public ElementType ScaleType { get; }
    public int Channels => Gamma.Length;

    /// <summary>s = γ/√(σ²+ε), per channel (as <see cref="Arithmetic"/> forms it).</summary>
    public double[] Scale { get; }
    /// <summary>t = β − μ·s, per channel.</summary>
    public double[] Shift { get; }

    /// <summary>The epsilon attribute (default 1e-5), widened from its float storage.</summary>
    public static double EpsilonOf(Node bn) => bn.GetFloat("epsilon", 1e-5f);

    /// <summary>
    /// Reads the parameters, refusing when the node is in training mode, a parameter is not constant, the
    /// shapes disagree, per-activation statistics vary across positions, or the statistics are unusable.
    /// </summary>
    public static BatchNormStatistics? TryRead(Node bn, out FoldRefusal? refusal, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var mode = BatchNormMode.Of(bn);
        if (mode.IsTraining)
        {
            refusal = new(FoldRefusalCodes.TrainingMode, DiagnosticSeverity.Warning,
                $"BN is in training mode ({mode.Reason}); run freeze-bn first to turn it into inference mode");
            return null;
        }
        string[] names = { "scale", "B", "mean", "var" };
        var tensors = new Tensor[4];
        for (int i = 0; i < 4; i++)
        {
            var v = bn.Input(i + 1);
            var t = Graph.TryGetConstant(v);
            if (t is null)
            {
                string why = v is null ? "is missing" : v.IsOverridableInitializer ? $"'{v.Name}' is an overridable graph input" : $"'{v.Name}' is computed at run time";
                refusal = new(FoldRefusalCodes.ParameterNotConstant, DiagnosticSeverity.Warning, $"BN {names[i]} {why}");
                return null;
            }
            if (!t.ElementType.IsFloatingPoint())
            {
                refusal = new(FoldRefusalCodes.UnsupportedDtype, DiagnosticSeverity.Info, $"BN {names[i]} is {t.ElementType.Name()}");
                return null;
            }
            tensors[i] = t;
        }

        // BN-1/6/7 spatial=0 keeps statistics per activation ([C, D1, ...]). That is one value per channel
        // (and so foldable exactly) only when every trailing dim is 1.
        bool perActivation = bn.Opset < 9 && bn.GetInt("spatial", 1) == 0;
        long channels = tensors[0].Rank == 0 ? 1 : tensors[0].Dims[0];
        for (int i = 0; i < 4; i++)
        {
            var t = tensors[i];
            bool oneDim = t.Rank == 1 && t.Dims[0] == channels;
            bool perChannelShaped = perActivation && t.Rank >= 1 && t.Dims[0] == channels && t.ElementCount == channels;
            if (oneDim || perChannelShaped) continue;
            // Per-activation statistics that are the same at every position are per-channel ones.
            if (perActivation && t.Rank >= 1 && t.Dims[0] == channels && PositionConstant(t, channels)) continue;
            if (perActivation && t.Rank >= 1 && t.Dims[0] == channels)
            {
                refusal = new(FoldRefusalCodes.PerActivationStatistics, DiagnosticSeverity.Warning,
                    $"spatial=0: BN {names[i]} has shape [{string.Join(", ", t.Dims)}], statistics that vary across positions cannot fold into per-channel weights");
                return null;
            }
            refusal = new(FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                $"BN {names[i]} has shape [{string.Join(", ", t.Dims)}], expected [{channels}]");
            return null;
        }

        double eps = EpsilonOf(bn);
        var values = tensors.Select(t => PerChannel(t.ToDoubles(), channels)).ToArray();
        for (int i = 0; i < 4; i++)
        {
            int bad = Array.FindIndex(values[i], x => !double.IsFinite(x));
            if (bad >= 0)
            {
                refusal = new(FoldRefusalCodes.NonFiniteStatistics, DiagnosticSeverity.Warning, $"BN {names[i]}[{bad}] is {values[i][bad]}");
                return null;
            }
        }
        if (!double.IsFinite(eps))
        {
            refusal = new(FoldRefusalCodes.NonFiniteStatistics, DiagnosticSeverity.Warning, $"BN epsilon is {eps}");
            return null;
        }
        int nonPositive = Array.FindIndex(values[3], x => !(x + eps > 0));
        if (nonPositive >= 0)
        {
            refusal = new(FoldRefusalCodes.VarianceNotPositive, DiagnosticSeverity.Warning,
                $"var[{nonPositive}] + epsilon = {values[3][nonPositive] + eps} is not positive");
            return null;
        }
        refusal = null;
        var st = new BatchNormStatistics(values[0], values[1], values[2], values[3], eps, tensors[0].ElementType,
            tensors.All(t => t.ElementType == ElementType.Double), arithmetic);
        // Finite in double, but float32 inference arithmetic can still overflow or divide by a rounded-off zero.
        int c = Array.FindIndex(st.Scale, x => !double.IsFinite(x));
        if (c < 0) c = Array.FindIndex(st.Shift, x => !double.IsFinite(x));
        if (c >= 0)
        {
            refusal = new(FoldRefusalCodes.NonFiniteStatistics, DiagnosticSeverity.Warning,
                $"channel {c}: scale {st.Scale[c]}, shift {st.Shift[c]} in float32 inference arithmetic (var {values[3][c]}, epsilon {eps})");
            return null;
        }
        return st;
    }

    /// <summary>True when each channel's slab of a [C, D1, ...] tensor holds one value.</summary>
    private static bool PositionConstant(Tensor t, long channels)
    {
        if (channels <= 0 || t.ElementCount % channels != 0) return false;
        var v = t.ToDoubles();
        long slab = v.Length / channels;
        for (long c = 0; c < channels; c++)
            for (long i = 1; i < slab; i++)
                if (v[c * slab + i].CompareTo(v[c * slab]) != 0) return false;
        return true;
    }

    /// <summary>The first value of each channel's slab (all equal, checked above), or the array itself when it is already per channel.</summary>
    private static double[] PerChannel(double[] v, long channels)
    {
        if (v.Length == channels || channels <= 0) return v;
        long slab = v.Length / channels;
        var r = new double[channels];
        for (long c = 0; c < channels; c++) r[c] = v[c * slab];
        return r;
    }
}
