using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// What `inspect` and the optimize report say about each BatchNormalization: its producer, its mode,
/// whether fold-bn (and else fold-bn-forward) would fold it and why not — asked of the very planners the
/// passes use — and a static health lint of its parameters.
/// </summary>
public static class BatchNormAnalysis
{
    /// <summary>|γ| below this counts as a dead channel: it outputs β whatever the input.</summary>
    public const double DeadGammaThreshold = 1e-6;
    /// <summary>An epsilon below this no longer protects against a variance that rounds to zero.</summary>
    public const double TinyEpsilon = 1e-10;

    /// <summary>The report of every BatchNormalization of <paramref name="model"/> (subgraphs included).</summary>
    public static IReadOnlyList<BatchNormReport> Of(Model model) => BatchNormNodes.In(model).Select(Of).ToList();

    /// <summary>The report of one BatchNormalization: producer, mode, whether fold-bn folds it (or why not), health lint.</summary>
    public static BatchNormReport Of(Node bn)
    {
        var x = bn.Input(0);
        string producer = x?.Producer?.OpType ?? (x is null ? "none" : x.IsInitializer ? "initializer" : "graph input");
        var mode = BatchNormMode.Of(bn);
        var plan = BatchNormFold.TryPlan(bn, out var refusal);
        string? forward = null;
        if (plan is null && FoldBatchNormForward.TryPlan(bn, out _) is { } fwd)
            forward = string.Join(", ", fwd.Consumers.Select(c => c.Conv.Name));
        return new BatchNormReport(
            bn.Name,
            bn.Owner.OwnerNode is { } owner ? owner.Describe() : null,
            producer,
            mode.IsTraining ? "training" : "inference",
            mode.Reason,
            plan is not null,
            plan?.TargetKind,
            refusal?.Code,
            refusal?.Message,
            forward,
            Lint(bn));
    }

    /// <summary>Static health checks of the parameters; needs them constant, reports nothing otherwise.</summary>
    public static IReadOnlyList<BatchNormLint> Lint(Node bn)
    {
        var lints = new List<BatchNormLint>();
        var x = bn.Input(0);
        if (x?.Producer is { OpType: "Conv" or "ConvTranspose", Domain: "" } conv && conv.Input(2) is not null)
            lints.Add(new(BatchNormLintCodes.RedundantConvBias, DiagnosticSeverity.Info,
                $"{conv.Describe()} has a bias that BN's mean subtraction cancels; folding absorbs it", null));

        var t = new Tensor?[4];
        for (int i = 0; i < 4; i++)
        {
            t[i] = Graph.TryGetConstant(bn.Input(i + 1));
            if (t[i] is not { } ti || !ti.ElementType.IsFloatingPoint()) return lints;
        }
        double[] gamma = t[0]!.ToDoubles(), beta = t[1]!.ToDoubles(), mean = t[2]!.ToDoubles(), variance = t[3]!.ToDoubles();
        double eps = BatchNormStatistics.EpsilonOf(bn);

        var nonFinite = Channels(gamma.Length, c => !double.IsFinite(gamma[c]) || !double.IsFinite(Get(beta, c)) || !double.IsFinite(Get(mean, c)) || !double.IsFinite(Get(variance, c)));
        if (nonFinite.Count > 0)
            lints.Add(new(BatchNormLintCodes.NonFiniteStatistics, DiagnosticSeverity.Warning, $"NaN or Inf in the parameters of {nonFinite.Count} channel(s)", nonFinite));
        var badVar = Channels(variance.Length, c => !(variance[c] > 0));
        if (badVar.Count > 0)
            lints.Add(new(BatchNormLintCodes.VarianceNotPositive, DiagnosticSeverity.Warning, $"running variance is zero, negative or NaN in {badVar.Count} channel(s)", badVar));
        if (!(eps > 0))
            lints.Add(new(BatchNormLintCodes.EpsilonNotPositive, DiagnosticSeverity.Warning, $"epsilon is {eps}; a zero variance will divide by zero", null));
        else if (eps < TinyEpsilon)
            lints.Add(new(BatchNormLintCodes.EpsilonTiny, DiagnosticSeverity.Warning, $"epsilon is {eps:G3}, below {TinyEpsilon:G1}; it no longer guards small variances", null));
        if (mean.Length > 0 && mean.All(m => m == 0) && variance.All(v => v == 1))
            lints.Add(new(BatchNormLintCodes.DefaultStatistics, DiagnosticSeverity.Warning, "running mean is all 0 and variance all 1: the statistics were never trained", null));
        var dead = Channels(gamma.Length, c => Math.Abs(gamma[c]) < DeadGammaThreshold);
        if (dead.Count > 0)
            lints.Add(new(BatchNormLintCodes.DeadChannels, DiagnosticSeverity.Info, $"γ≈0 in {dead.Count} channel(s): they output a constant", dead));
        return lints;
    }

    private static double Get(double[] a, int c) => c < a.Length ? a[c] : 0;

    private static List<int> Channels(int count, Func<int, bool> predicate)
    {
        var list = new List<int>();
        for (int c = 0; c < count; c++) if (predicate(c)) list.Add(c);
        return list;
    }
}
