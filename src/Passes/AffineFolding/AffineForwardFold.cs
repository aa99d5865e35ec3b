using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The affine engine's forward rule: a per-channel y = x·s + t whose output only feeds Convs, ConvTransposes or
/// Gemms moves into their input channels (<see cref="FoldBatchNormForward"/>, <see cref="ForwardFoldConsumer"/>).
/// The scale is always exact; the shift only where the op zero-pads nothing. Two sources: a per-channel Mul/Add/Sub/Div (GroupNorm's exported γ and β
/// before a 1×1 Conv), which then disappears; and the γ/β inputs of an InstanceNormalization, which then
/// become 1 and 0.
/// </summary>
internal static class AffineForwardFold
{
    public static FoldBatchNormForward.Plan? TryPlan(ElementwiseAffine e, out FoldRefusal? refusal)
    {
        var y = e.Node.Output(0)!;
        int? axis = null;
        if (e.Constant.AxisFromEnd is { } fromEnd)
        {
            // The axis counts from the end; the output's rank places it (a Conv reader's weight fixes it too).
            int? rank = ValueRank.Of(y);
            if (rank is null && y.Uses.Count > 0 && y.Uses[0].Node is { OpType: "Conv" or "ConvTranspose", Domain: "" } conv
                && Graph.TryGetConstant(conv.Input(1)) is { Rank: >= 3 } w)
                rank = w.Rank;
            if (rank is null)
                return Refuse(out refusal, FoldRefusalCodes.UnknownRank, $"the rank of its output '{y.Name}' is unknown, so its axis {fromEnd} cannot be placed");
            if (e.Constant.Rank > rank)
                return Refuse(out refusal, FoldRefusalCodes.NotPerChannel, $"its constant has rank {e.Constant.Rank}, more than its data's {rank}");
            axis = rank + fromEnd;
        }
        return FoldBatchNormForward.TryPlan(e.Node, y, new ChannelAffineValues(e.Scale, e.Shift), out refusal, axis);
    }

    public static void Apply(FoldBatchNormForward.Plan plan, ElementwiseAffine e)
    {
        FoldBatchNormForward.ApplyToConsumers(plan);
        AffineFoldPlan.Bypass(e.Node, e.DataIndex);
    }

    /// <summary>The γ/β of an InstanceNormalization moved into the Convs after it; null without a refusal when they are already 1 and 0.</summary>
    public static FoldBatchNormForward.Plan? TryPlanNormAffine(Node norm, out FoldRefusal? refusal)
    {
        refusal = null;
        var gamma = FoldBatchNorm.RequireConstant(norm, 1, "scale", FoldRefusalCodes.ParameterNotConstant, out refusal);
        if (gamma is null) return null;
        var beta = FoldBatchNorm.RequireConstant(norm, 2, "B", FoldRefusalCodes.ParameterNotConstant, out refusal);
        if (beta is null) return null;
        if (gamma.Rank != 1 || beta.Rank != 1 || gamma.Dims[0] != beta.Dims[0])
            return Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, $"its scale and B have shapes [{string.Join(", ", gamma.Dims)}] and [{string.Join(", ", beta.Dims)}]");
        double[] g = gamma.ToDoubles(), b = beta.ToDoubles();
        if (g.All(x => x == 1) && b.All(x => x == 0)) return null;
        return FoldBatchNormForward.TryPlan(norm, norm.Output(0)!, new ChannelAffineValues(g, b), out refusal);
    }

    public static void ApplyNormAffine(FoldBatchNormForward.Plan plan, Node norm)
    {
        FoldBatchNormForward.ApplyToConsumers(plan);
        var g = norm.Owner;
        var gamma = norm.Input(1)!.Initializer ?? Graph.TryGetConstant(norm.Input(1))!;
        long c = gamma.Dims[0];
        var ones = new double[c];
        Array.Fill(ones, 1.0);
        string name = norm.Name.Length > 0 ? norm.Name : norm.Output(0)!.Name;
        var oldScale = norm.Input(1);
        var oldBias = norm.Input(2);
        norm.SetInput(1, GraphConstants.Add(g, $"{name}.unit_scale", Tensor.FromDoubles("", gamma.ElementType, new[] { c }, ones)));
        norm.SetInput(2, GraphConstants.Add(g, $"{name}.zero_bias", Tensor.FromDoubles("", gamma.ElementType, new[] { c }, new double[c])));
        GraphConstants.ReleaseIfUnused(oldScale);
        GraphConstants.ReleaseIfUnused(oldBias);
    }

    private static FoldBatchNormForward.Plan? Refuse(out FoldRefusal? refusal, string code, string message)
    {
        refusal = new FoldRefusal(code, DiagnosticSeverity.Info, message);
        return null;
    }
}
