using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `bn-to-affine`: a BN that cannot be folded becomes Mul(x, S) + T with constants S = s and T = t shaped
/// [C, 1, ...] so they broadcast over the spatial dims. Off by default: it only pays when the runtime
/// fuses Mul/Add better than BN, or as a step before other channel-wise rewrites.
/// </summary>
public sealed class BatchNormToAffinePass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "bn-to-affine";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Turn each remaining inference BatchNormalization into per-channel Mul + Add.";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session) =>
        RewriteDriver.Result(RewriteDriver.Sweep(model, session,
            new RewriteRule(n => BatchNormMode.IsBatchNorm(n) ? Propose(n, arithmetic) : null)));

    /// <summary>The patch that replaces <paramref name="bn"/> by Mul + Add, or why it cannot.</summary>
    public static RewriteProposal Propose(Node bn, BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference)
    {
        var st = BatchNormStatistics.TryRead(bn, out var refusal, arithmetic);
        if (st is null) return RewriteProposal.Refuse(refusal!.ToDiagnostic(bn.Name));
        var x = bn.Input(0)!;
        int? rank = ValueRank.Of(x);
        if (rank is null or < 2)
            return Refuse(bn, FoldRefusalCodes.UnknownRank, $"the rank of its input '{x.Name}' is {(rank is null ? "unknown" : rank.ToString())}");
        // The output has the input's type; before BN-15 the parameters share it, so they can stand in.
        var known = ValueElementType.Of(x);
        var type = known.IsFloatingPoint() ? known : bn.Opset < 15 ? st.ScaleType : ElementType.Undefined;
        if (!type.IsFloatingPoint())
            return Refuse(bn, FoldRefusalCodes.UnsupportedDtype, $"the element type of its input '{x.Name}' is unknown");
        var dims = new long[rank.Value - 1];
        Array.Fill(dims, 1L);
        dims[0] = st.Channels;
        var scale = FoldedTensor.TryCreate("", type, dims, st.Scale, "scale", out refusal);
        var shift = scale is null ? null : FoldedTensor.TryCreate("", type, dims, st.Shift, "shift", out refusal);
        if (scale is null || shift is null) return RewriteProposal.Refuse(refusal!.ToDiagnostic(bn.Name));

        return RewritePatch.Reporting(bn, new Diagnostic(DiagnosticSeverity.Info, FoldCodes.ConvertedToAffine, bn.Name, "replaced by Mul + Add"), () =>
        {
            var g = bn.Owner;
            int at = g.Nodes.IndexOf(bn);
            string name = bn.Name.Length > 0 ? bn.Name : "bn";
            var mul = g.AddNode("Mul", new[] { x, GraphConstants.Add(g, $"{name}.affine_scale", scale) }, 1, $"{name}.mul", position: at);
            var add = g.AddNode("Add", new[] { mul.Output(0), GraphConstants.Add(g, $"{name}.affine_shift", shift) }, 1, $"{name}.add", position: at + 1);
            FoldBatchNorm.RemoveBatchNorm(bn, add.Output(0)!);
        });
    }

    private static RewriteProposal Refuse(Node bn, string code, string message) =>
        RewriteProposal.Refuse(new Diagnostic(DiagnosticSeverity.Info, code, bn.Name, message));
}
