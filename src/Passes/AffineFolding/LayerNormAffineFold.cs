using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// LayerNormalization's γ/β moved into the MatMuls that read its output. With x̂ normalised over the last
/// axis, (x̂·γ + β)·W = x̂·(γW) + βW: the MatMul contracts exactly the normalised axis, so the fold is exact
/// (no padding to worry about). W'[k, n] = γ[k]·W[k, n]; βW joins the MatMul's bias Add, or becomes one.
/// γ and β of the norm then become 1 and 0 (new initializers). A channels-first LayerNorm whose output reaches a
/// Conv, ConvTranspose or Gemm through Transpose/Flatten moves γ/β into that op's input channels instead
/// (<see cref="FoldBatchNormForward"/>'s rule: exact where the op zero-pads nothing).
/// </summary>
internal static class LayerNormAffineFold
{
    /// <summary>One MatMul consumer: its new weight, and the bias Add to update (or null: append one).</summary>
    public sealed record Consumer(Node MatMul, Tensor Weight, Node? BiasAdd, int BiasIndex, Tensor? Bias);

    /// <summary>The MatMuls that take γ/β, or (<paramref name="Linear"/>) the Convs/ConvTransposes/Gemms after a layout change.</summary>
    public sealed record Plan(Node Norm, IReadOnlyList<Consumer> Consumers, FoldBatchNormForward.Plan? Linear = null)
    {
        public string Targets => Linear is { } l
            ? string.Join(", ", l.Consumers.Select(c => c.Conv.Describe()))
            : string.Join(", ", Consumers.Select(c => c.MatMul.Describe()));
    }

    /// <summary>Null without a refusal when γ and β are already 1 and 0.</summary>
    public static Plan? TryPlan(Node norm, out FoldRefusal? refusal)
    {
        refusal = null;
        var y = norm.Output(0)!;
        var gamma = FoldBatchNorm.RequireConstant(norm, 1, "scale", FoldRefusalCodes.ParameterNotConstant, out refusal);
        if (gamma is null) return null;
        Tensor? beta = null;
        if (norm.Input(2) is not null)
        {
            beta = FoldBatchNorm.RequireConstant(norm, 2, "B", FoldRefusalCodes.ParameterNotConstant, out refusal);
            if (beta is null) return null;
        }
        if (gamma.Rank != 1 || beta is not null && (beta.Rank != 1 || beta.Dims[0] != gamma.Dims[0]))
            return Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, "its scale and B are not both 1-D of one length");
        double[] g = gamma.ToDoubles(), b = beta?.ToDoubles() ?? new double[g.Length];
        if (g.All(x => x == 1) && b.All(x => x == 0)) return null;
        int? rank = ValueRank.Of(norm.Input(0));
        long axis = norm.GetInt("axis", -1);
        if (!(axis == -1 || rank is { } r && axis == r - 1))
            return Refuse(out refusal, FoldRefusalCodes.ChannelAxisNotOutputChannels, $"it normalises from axis {axis}, not the last axis alone, which a MatMul contracts");
        if (y.IsGraphOutput)
            return Refuse(out refusal, FoldRefusalCodes.OutputIsGraphOutput, $"its output '{y.Name}' is a graph output");
        if (y.Uses.Count == 0 || norm.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput)))
            return Refuse(out refusal, FoldRefusalCodes.ConsumerNotConv, "nothing reads its output, or its mean/inverse-deviation outputs are read");
        if (y.Uses.All(u => u.Node is { OpType: "MatMul", Domain: "" }))
        {
            var consumers = PlanMatMuls(norm, y, g, b, out refusal);
            return consumers is null ? null : new Plan(norm, consumers);
        }
        // Channels-first LayerNorm (ConvNeXt's LayerNorm2d): Transpose → LayerNorm → Transpose → Conv, or
        // → Flatten → Gemm; the normalised last axis becomes the reader's input channels.
        if (rank is null)
            return Refuse(out refusal, FoldRefusalCodes.UnknownRank, $"the rank of its input is unknown, so the Transposes after it cannot be followed");
        var linear = FoldBatchNormForward.TryPlan(norm, y, new ChannelAffineValues(g, b), out refusal, rank.Value - 1);
        return linear is null ? null : new Plan(norm, Array.Empty<Consumer>(), linear);
    }

    /// <summary>
    /// The new constants of every MatMul reading <paramref name="y"/> = x·s + t (s, t per entry of the last
    /// axis, or one value for all): W'[k, n] = s[k]·W[k, n], and Σ_k t[k]·W[k, n] added to its bias Add or to a
    /// new one. Null with a refusal when anything else reads <paramref name="y"/>.
    /// </summary>
    internal static List<Consumer>? PlanMatMuls(Node source, Value y, double[] g, double[] b, out FoldRefusal? refusal)
    {
        refusal = null;
        var norm = source;
        var consumers = new List<Consumer>();
        foreach (var mm in y.Uses.Select(u => u.Node).Distinct())
        {
            if (mm is not { OpType: "MatMul", Domain: "" } || mm.Input(0) != y || mm.Input(1) == y || mm.Owner != norm.Owner)
                return FoldBatchNorm.Refuse<List<Consumer>>(out refusal, FoldRefusalCodes.ConsumerNotConv, DiagnosticSeverity.Info, $"its output is read by {mm.Describe()}; only a MatMul's first input can absorb it");
            var w = FoldBatchNorm.RequireConstant(mm, 1, "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
            if (w is null) return null;
            if (w.Rank != 2 || g.Length != 1 && w.Dims[0] != g.Length || b.Length != 1 && w.Dims[0] != b.Length)
                return FoldBatchNorm.Refuse<List<Consumer>>(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Info, $"the weight of {mm.Describe()} has shape [{string.Join(", ", w.Dims)}], not [{Math.Max(g.Length, b.Length)}, N]");
            long k = w.Dims[0], n = w.Dims[1];
            var wv = w.ToDoubles();
            var d = new double[n];
            // Row by row (k is the row): the shift's contribution first, from the unscaled weights.
            for (long i = 0; i < k; i++)
            {
                double gi = g[g.Length == 1 ? 0 : i], bi = b[b.Length == 1 ? 0 : i];
                var row = wv.AsSpan(checked((int)(i * n)), checked((int)n));
                if (bi != 0)
                    for (int j = 0; j < row.Length; j++) d[j] += bi * row[j];
                for (int j = 0; j < row.Length; j++) row[j] *= gi;
            }
            var wt = FoldedTensor.TryCreate("", w.ElementType, w.Dims, wv, "weight", out refusal);
            if (wt is null) return null;
            // The MatMul's own bias Add (a per-column constant, its output's only reader) takes βW.
            Node? biasAdd = null;
            int biasIndex = 1;
            var mmOut = mm.Output(0)!;
            if (mmOut.Uses.Count == 1 && !mmOut.IsGraphOutput && mmOut.Uses[0].Node is { OpType: "Add", Domain: "" } add
                && Graph.TryGetConstant(add.Input(1 - mmOut.Uses[0].Index)) is { Rank: 1 } c && c.Dims[0] == n && c.ElementType == w.ElementType)
            {
                biasAdd = add;
                biasIndex = 1 - mmOut.Uses[0].Index;
                var cv = c.ToDoubles();
                for (long j = 0; j < n; j++) d[j] += cv[j];
            }
            Tensor? bias = null;
            if (biasAdd is not null || d.Any(x => x != 0))
            {
                bias = FoldedTensor.TryCreate("", w.ElementType, new[] { n }, d, "bias", out refusal);
                if (bias is null) return null;
            }
            consumers.Add(new Consumer(mm, wt, biasAdd, biasIndex, bias));
        }
        return consumers;
    }

    public static void Apply(Plan plan)
    {
        var norm = plan.Norm;
        ApplyToMatMuls(plan.Consumers);
        if (plan.Linear is { } linear) FoldBatchNormForward.ApplyToConsumers(linear);
        ResetAffine(norm);
    }

    /// <summary>Gives each MatMul its new weight and bias (new initializers; an appended Add where it had none).</summary>
    internal static void ApplyToMatMuls(IReadOnlyList<Consumer> consumers)
    {
        foreach (var c in consumers)
        {
            var g = c.MatMul.Owner;
            Replace(c.MatMul, 1, FoldBatchNorm.Hint(c.MatMul.Input(1), c.MatMul, "weight").Replace("_bnfold", "_lnfold"), c.Weight);
            if (c.Bias is null) continue;
            if (c.BiasAdd is { } add) { Replace(add, c.BiasIndex, $"{add.Input(c.BiasIndex)!.Name}_lnfold", c.Bias); continue; }
            var y = c.MatMul.Output(0)!;
            string name = c.MatMul.Name.Length > 0 ? c.MatMul.Name : y.Name;
            var newAdd = g.AddNode("Add", new[] { y, GraphConstants.Add(g, $"{name}.bias_lnfold", c.Bias) }, 1, $"{name}.bias_add",
                position: g.Nodes.IndexOf(c.MatMul) + 1);
            foreach (var use in y.Uses.ToArray())
                if (use.Node != newAdd) use.Node.SetInput(use.Index, newAdd.Output(0));
            if (y.IsGraphOutput) g.ReplaceAllUses(y, newAdd.Output(0)!);
        }
    }

    private static void ResetAffine(Node norm)
    {
        var gamma = Graph.TryGetConstant(norm.Input(1))!;
        long k = gamma.Dims[0];
        var ones = new double[k];
        Array.Fill(ones, 1.0);
        string normName = norm.Name.Length > 0 ? norm.Name : norm.Output(0)!.Name;
        Replace(norm, 1, $"{normName}.unit_scale", Tensor.FromDoubles("", gamma.ElementType, new[] { k }, ones));
        if (norm.Input(2) is { } beta)
            Replace(norm, 2, $"{normName}.zero_bias", Tensor.FromDoubles("", Graph.TryGetConstant(beta)!.ElementType, new[] { k }, new double[k]));
    }

    private static void Replace(Node node, int index, string hint, Tensor t)
    {
        var old = node.Input(index);
        node.SetInput(index, GraphConstants.Add(node.Owner, hint, t));
        GraphConstants.ReleaseIfUnused(old);
    }

    private static Plan? Refuse(out FoldRefusal? refusal, string code, string message)
    {
        refusal = new FoldRefusal(code, DiagnosticSeverity.Info, message);
        return null;
    }
}
