using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The BN fold, decided in one place: <see cref="TryPlan"/> says whether a BatchNormalization can be folded
/// into the node that produces its input, and why not; <see cref="Apply"/> does it. The fold-bn pass, the
/// optimize report and `inspect` all call <see cref="TryPlan"/>, so they never disagree.
///
/// Math: with s = γ/√(σ²+ε) and t = β − μ·s per output channel, BN(W∗x + b) = (W·s)∗x + (b·s + t).
/// s and t are the constants inference applies for the unfolded BN (<see cref="BatchNormArithmetic"/>); the
/// folded W·s and b·s + t are computed in double and rounded once to the weight's dtype. New weights always go into new
/// initializers: a tensor another node reads (shared weights) is never changed.
/// </summary>
public static class FoldBatchNorm
{
    /// <summary>Producer kind: Conv.</summary>
    public const string Conv = "Conv";
    /// <summary>Producer kind: ConvTranspose.</summary>
    public const string ConvTranspose = "ConvTranspose";
    /// <summary>Producer kind: Gemm.</summary>
    public const string Gemm = "Gemm";
    /// <summary>Producer kind: MatMul with a constant 2-D weight (it becomes a Gemm).</summary>
    public const string MatMul = "MatMul";

    /// <summary>The plan for folding <paramref name="bn"/> into its producer, or null and the reason.</summary>
    public static FoldPlan? TryPlan(Node bn, out FoldRefusal? refusal, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var stats = BatchNormStatistics.TryRead(bn, out refusal, arithmetic);
        if (stats is null) return null;
        var x = bn.Input(0);
        if (x?.Producer is not { } producer)
            return Refuse(out refusal, FoldRefusalCodes.NoProducer, DiagnosticSeverity.Info,
                $"its input '{x?.Name}' is a graph input or initializer, not the output of a Conv/ConvTranspose/Gemm/MatMul");
        if (producer.Owner != bn.Owner)
            return Refuse(out refusal, FoldRefusalCodes.ProducerInOuterScope, DiagnosticSeverity.Info,
                $"its input '{x.Name}' comes from {producer.Describe()} in an enclosing graph");
        if (producer.Domain != "" || producer.OpType is not (Conv or ConvTranspose or Gemm or MatMul))
            return Refuse(out refusal, FoldRefusalCodes.UnsupportedProducer, DiagnosticSeverity.Info,
                $"its input comes from {producer.Describe()}; fold-bn folds into Conv, ConvTranspose, Gemm and MatMul");
        if (x.IsGraphOutput)
            return Refuse(out refusal, FoldRefusalCodes.ProducerOutputIsGraphOutput, DiagnosticSeverity.Info,
                $"'{x.Name}' (output of {producer.Describe()}) is also a graph output, which must keep its unfolded value");
        if (x.Uses.Count != 1)
            return Refuse(out refusal, FoldRefusalCodes.ProducerHasOtherConsumers, DiagnosticSeverity.Info,
                $"'{x.Name}' (output of {producer.Describe()}) is also read by {string.Join(", ", x.Uses.Where(u => u.Node != bn).Select(u => u.Node.Describe()).Distinct())}");
        return producer.OpType switch
        {
            Conv => FoldBatchNormIntoConv.TryPlan(bn, producer, stats, out refusal),
            ConvTranspose => FoldBatchNormIntoConvTranspose.TryPlan(bn, producer, stats, out refusal),
            Gemm => FoldBatchNormIntoGemm.TryPlan(bn, producer, stats, out refusal),
            _ => FoldBatchNormIntoMatMul.TryPlan(bn, producer, stats, out refusal),
        };
    }

    /// <summary>Rewires the producer to the new constants, removes the BN and releases what nothing reads any more.</summary>
    public static void Apply(FoldPlan plan)
    {
        var producer = plan.Producer;
        var g = producer.Owner;
        foreach (var r in plan.Replacements)
        {
            var old = producer.Input(r.Index);
            producer.SetInput(r.Index, GraphConstants.Add(g, r.NameHint, r.Tensor));
            GraphConstants.ReleaseIfUnused(old);
        }
        plan.EditProducer?.Invoke(producer);
        RemoveBatchNorm(plan.BatchNorm, plan.BatchNorm.Input(0)!);
    }

    /// <summary>Points the BN's readers at <paramref name="replacement"/> and removes the BN and its orphaned parameters.</summary>
    internal static void RemoveBatchNorm(Node bn, Value replacement)
    {
        var g = bn.Owner;
        var parameters = bn.Inputs.Skip(1).ToList();
        g.ReplaceAllUses(bn.Output(0)!, replacement);
        g.RemoveNode(bn);
        foreach (var p in parameters.Distinct()) GraphConstants.ReleaseIfUnused(p);
    }

    /// <summary>The constant at a producer input, refusing (with <paramref name="code"/>) when it is not one.</summary>
    internal static Tensor? RequireConstant(Node producer, int index, string what, string code, out FoldRefusal? refusal)
    {
        var v = producer.Input(index);
        var t = Graph.TryGetConstant(v);
        if (t is null)
        {
            string why = v is null ? "is missing" : v.IsOverridableInitializer ? $"'{v.Name}' is an overridable graph input" : $"'{v.Name}' is computed at run time";
            return Refuse<Tensor>(out refusal, code, DiagnosticSeverity.Info, $"the {what} of {producer.Describe()} {why}");
        }
        if (!t.ElementType.IsFloatingPoint())
            return Refuse<Tensor>(out refusal, FoldRefusalCodes.UnsupportedDtype, DiagnosticSeverity.Info, $"the {what} of {producer.Describe()} is {t.ElementType.Name()}");
        refusal = null;
        return t;
    }

    internal static T? Refuse<T>(out FoldRefusal? refusal, string code, DiagnosticSeverity severity, string message) where T : class
    {
        refusal = new FoldRefusal(code, severity, message);
        return null;
    }

    private static FoldPlan? Refuse(out FoldRefusal? refusal, string code, DiagnosticSeverity severity, string message) =>
        Refuse<FoldPlan>(out refusal, code, severity, message);

    internal static FoldPlan? ChannelMismatch(out FoldRefusal? refusal, Node producer, int bnChannels, long producerChannels) =>
        Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
            $"BN has {bnChannels} channels but {producer.Describe()} produces {producerChannels}");

    /// <summary>A stable name hint for a folded tensor: the old tensor's name (or the node's) plus a suffix.</summary>
    internal static string Hint(Value? old, Node producer, string role) =>
        (old?.Name ?? $"{(producer.Name.Length > 0 ? producer.Name : producer.Output(0)?.Name)}.{role}") + "_bnfold";
}
