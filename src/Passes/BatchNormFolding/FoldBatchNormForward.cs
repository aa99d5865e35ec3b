using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// The forward fold: a BN whose output only feeds Convs (typically Conv → Relu → BN → Conv) moves into the
/// following Convs. With s, t per input channel: Conv(x·s + t) = W'∗x + b' where
/// W'[o,i,k] = W[o,i,k]·s[i] and b'[o] = b[o] + Σ_{i,k} W[o,i,k]·t[i] (i counted within o's group).
/// This is exact only when the Conv does not zero-pad: a padded position would see 0 where the original
/// saw BN's output there. So the fold needs no padding (or SAME padding of a 1×1 kernel, which pads
/// nothing), unless every t is 0.
/// </summary>
public static class FoldBatchNormForward
{
    public sealed record Plan(Node BatchNorm, IReadOnlyList<(Node Conv, IReadOnlyList<InputReplacement> Replacements)> Consumers);

    public static Plan? TryPlan(Node bn, out FoldRefusal? refusal, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var st = BatchNormStatistics.TryRead(bn, out refusal, arithmetic);
        if (st is null) return null;
        return TryPlan(bn, bn.Output(0)!, st, out refusal);
    }

    /// <summary>
    /// The forward fold of any per-channel affine whose output <paramref name="y"/> only feeds Convs (a BN, a
    /// per-channel Mul/Add, a norm's γ/β); <paramref name="source"/> is what the refusals name.
    /// </summary>
    internal static Plan? TryPlan(Node source, Value y, IChannelAffine st, out FoldRefusal? refusal)
    {
        var bn = source;
        if (y.IsGraphOutput)
            return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.OutputIsGraphOutput, DiagnosticSeverity.Info,
                $"its output '{y.Name}' is a graph output");
        if (y.Uses.Count == 0)
            return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.ConsumerNotConv, DiagnosticSeverity.Info, "nothing reads its output");
        foreach (var use in y.Uses)
            if (use.Node.OpType != "Conv" || use.Node.Domain != "" || use.Index != 0 || use.Node.Owner != bn.Owner)
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.ConsumerNotConv, DiagnosticSeverity.Info,
                    $"its output is read by {use.Node.Describe()} (input {use.Index}){(use.Node.Owner != bn.Owner ? " in a subgraph" : "")}; only a Conv's data input can absorb it");

        bool shiftIsZero = st.Shift.All(t => t == 0);
        var consumers = new List<(Node, IReadOnlyList<InputReplacement>)>();
        foreach (var conv in y.Uses.Select(u => u.Node).Distinct())
        {
            var w = FoldBatchNorm.RequireConstant(conv, 1, "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
            if (w is null) return null;
            if (w.Rank is < 3 or > 5)
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                    $"the weight of {conv.Describe()} has rank {w.Rank}");
            long group = conv.GetInt("group", 1);
            long cout = w.Dims[0], cinPerGroup = w.Dims[1];
            if (group < 1 || cout % group != 0 || st.Channels != cinPerGroup * group)
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                    $"BN has {st.Channels} channels but {conv.Describe()} reads {cinPerGroup * group}");
            if (!shiftIsZero && !PadsNothing(conv, w))
                return FoldBatchNorm.Refuse<Plan>(out refusal, FoldRefusalCodes.PaddingNotExact, DiagnosticSeverity.Info,
                    $"{conv.Describe()} zero-pads its input, where the BN shift would be lost");
            var bias = FoldBatchNormIntoConv.ReadBias(conv, cout, out refusal);
            if (bias is null) return null;

            var wv = w.ToDoubles();
            var newW = new double[wv.Length];
            long kernel = cout * cinPerGroup == 0 ? 0 : wv.Length / (cout * cinPerGroup);
            long coutPerGroup = cout / group;
            var newB = (double[])bias.Clone();
            for (long idx = 0; idx < wv.Length; idx++)
            {
                long o = idx / (cinPerGroup * kernel);
                long i = idx / kernel % cinPerGroup;
                long channel = o / coutPerGroup * cinPerGroup + i;
                newW[idx] = wv[idx] * st.Scale[channel];
                newB[o] += wv[idx] * st.Shift[channel];
            }
            var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, newW, "weight", out refusal);
            if (wt is null) return null;
            var bt = FoldedTensor.TryCreate("", w.ElementType, new[] { cout }, newB, "bias", out refusal);
            if (bt is null) return null;
            consumers.Add((conv, new[]
            {
                new InputReplacement(1, FoldBatchNorm.Hint(conv.Input(1), conv, "weight"), wt),
                new InputReplacement(2, FoldBatchNorm.Hint(conv.Input(2), conv, "bias"), bt),
            }));
        }
        refusal = null;
        return new Plan(bn, consumers);
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
