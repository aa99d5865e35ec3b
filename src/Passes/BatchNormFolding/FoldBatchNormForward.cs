using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The forward fold: a BN whose output only feeds Convs, ConvTransposes or Gemms (typically Conv → Relu → BN
/// → Conv, or BatchNorm1d → Linear) moves into them. With s, t per input channel: Conv(x·s + t) = W'∗x + b'
/// where W'[o,i,k] = W[o,i,k]·s[i] and b'[o] = b[o] + Σ_{i,k} W[o,i,k]·t[i] (i counted within o's group).
/// The scale is always exact; the shift only where the op zero-pads nothing (<see cref="ForwardFoldConsumer"/>
/// has each op's rule): a padded position would see 0 where the original saw BN's output there.
/// </summary>
internal static class FoldBatchNormForward
{
    public sealed record Plan(Node BatchNorm, IReadOnlyList<(Node Conv, IReadOnlyList<InputReplacement> Replacements)> Consumers);

    public static Plan? TryPlan(Node bn, out FoldRefusal? refusal, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var st = BatchNormStatistics.TryRead(bn, out refusal, arithmetic);
        if (st is null) return null;
        return TryPlan(bn, bn.Output(0)!, st, out refusal);
    }

    /// <summary>
    /// The forward fold of any per-channel affine whose output <paramref name="y"/> only feeds Convs,
    /// ConvTransposes or Gemms, directly or through Transpose/Flatten (<see cref="ForwardPath"/>): a BN, a
    /// per-channel Mul/Add, a norm's γ/β. <paramref name="axis"/> is the affine's axis in <paramref name="y"/>
    /// (null: one value for every channel); <paramref name="source"/> is what the refusals name.
    /// </summary>
    internal static Plan? TryPlan(Node source, Value y, IChannelAffine st, out FoldRefusal? refusal, int? axis = 1)
    {
        var path = ForwardPath.Follow(y, axis);
        var z = path.Target;
        if (z.IsGraphOutput)
            return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.OutputIsGraphOutput, DiagnosticSeverity.Info,
                $"its output '{z.Name}'{path.Describe()} is a graph output");
        if (z.Uses.Count == 0)
            return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.ConsumerNotConv, DiagnosticSeverity.Info, "nothing reads its output");
        foreach (var use in z.Uses)
        {
            if (!ForwardFoldConsumer.CanAbsorb(use.Node) || use.Index != 0 || use.Node.Owner != source.Owner)
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.ConsumerNotConv, DiagnosticSeverity.Info,
                    $"its output{path.Describe()} is read by {use.Node.Describe()} (input {use.Index}){(use.Node.Owner != source.Owner ? " in a subgraph" : "")}; only the data input of a Conv, ConvTranspose or Gemm can absorb it");
            if (path.Axis is { } a && a != ForwardFoldConsumer.InputChannelAxis(use.Node))
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.NotPerChannel, DiagnosticSeverity.Info,
                    $"it lies along axis {a} of the input of {use.Node.Describe()}{path.Describe()}, not its input channels");
        }
        var consumers = new List<(Node, IReadOnlyList<InputReplacement>)>();
        foreach (var op in z.Uses.Select(u => u.Node).Distinct())
        {
            var replacements = ForwardFoldConsumer.TryPlan(op, st.Scale, st.Shift, out refusal);
            if (replacements is null) return null;
            consumers.Add((op, replacements));
        }
        refusal = null;
        return new Plan(source, consumers);
    }

    public static void Apply(Plan plan)
    {
        ApplyToConsumers(plan);
        FoldBatchNorm.RemoveBatchNorm(plan.BatchNorm, plan.BatchNorm.Input(0)!);
    }

    /// <summary>Gives every consumer Conv its new weight and bias (new initializers; the old ones are released if unused).</summary>
    internal static void ApplyToConsumers(Plan plan)
    {
        foreach (var (conv, replacements) in plan.Consumers)
        {
            foreach (var r in replacements)
            {
                var old = conv.Input(r.Index);
                conv.SetInput(r.Index, GraphConstants.Add(conv.Owner, r.NameHint, r.Tensor));
                GraphConstants.ReleaseIfUnused(old);
            }
        }
    }

    /// <summary>True when the Conv adds no padding: explicit zero pads, VALID, or SAME with a 1×1 kernel (which pads 0).</summary>
    internal static bool PadsNothing(Node conv, Tensor w)
    {
        string autoPad = conv.GetString("auto_pad", "NOTSET");
        if (autoPad == "VALID") return true;
        if (autoPad is "SAME_UPPER" or "SAME_LOWER") return w.Dims.Skip(2).All(k => k == 1);
        return (conv.GetInts("pads") ?? Array.Empty<long>()).All(p => p == 0);
    }
}
