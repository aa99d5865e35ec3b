using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// What fold-affine does with one per-channel Mul/Add/Sub/Div, decided in one place so that the pass and
/// `inspect` never disagree: backward into the op before it, else forward into the Convs after it, else a
/// refusal. Deciding changes nothing.
/// </summary>
internal sealed record AffineDecision(ElementwiseAffine Affine, AffineFoldPlan? Backward, FoldBatchNormForward.Plan? Forward, FoldRefusal? Refusal)
{
    /// <summary>The MatMuls that take the map forward (its axis is the one they contract), when that is the decision.</summary>
    public IReadOnlyList<LayerNormAffineFold.Consumer>? ForwardMatMuls { get; init; }

    /// <summary>Null for a node that is not an affine at all, or a MatMul's own bias Add (nothing to say).</summary>
    public static AffineDecision? Of(Node node, out FoldRefusal? notAffine)
    {
        var e = ElementwiseAffine.TryRead(node, out notAffine);
        if (e is null || IsMatMulBias(e)) return null;
        var back = AffineBackwardFold.TryPlan(node, e.DataIndex, e.Scale, e.Shift, e.Constant.AxisFromEnd, e.Constant.Rank, out var refusal);
        if (back is not null) return new AffineDecision(e, back, null, null);
        var forward = AffineForwardFold.TryPlan(e, out var forwardWhy);
        if (forward is not null) return new AffineDecision(e, null, forward, null);
        var y = node.Output(0)!;
        if (y.Uses.Count > 0 && y.Uses.All(u => u.Node is { OpType: "MatMul", Domain: "" }))
        {
            // A MatMul contracts its input's last axis: the map must lie along it (or be one value), and its
            // constant must not broadcast the data to a larger rank.
            int? dataRank = ValueRank.Of(e.Data);
            if (e.Constant.AxisFromEnd is not (null or -1))
                forwardWhy = new FoldRefusal(FoldRefusalCodes.NotPerChannel, DiagnosticSeverity.Info, "its constant does not lie along the last axis, which the MatMuls after it contract");
            else if (e.Constant.Rank > 1 && (dataRank is null || dataRank < e.Constant.Rank))
                forwardWhy = new FoldRefusal(FoldRefusalCodes.UnknownRank, DiagnosticSeverity.Info, $"the rank of '{e.Data.Name}' is not known to be at least {e.Constant.Rank}");
            else if (y.IsGraphOutput)
                forwardWhy = new FoldRefusal(FoldRefusalCodes.OutputIsGraphOutput, DiagnosticSeverity.Info, $"its output '{y.Name}' is a graph output");
            else
            {
                var matMuls = LayerNormAffineFold.PlanMatMuls(node, y, e.Scale, e.Shift, out var mmWhy);
                if (matMuls is not null) return new AffineDecision(e, null, null, null) { ForwardMatMuls = matMuls };
                forwardWhy = mmWhy;
            }
        }
        // The backward reason leads (it is the fold that usually applies), unless there is nothing to fold back
        // into and the forward fold was stopped by something specific (padding, say).
        bool forwardSays = refusal!.Code is FoldRefusalCodes.NoProducer or FoldRefusalCodes.UnsupportedProducer
            && forwardWhy is not null && forwardWhy.Code != FoldRefusalCodes.ConsumerNotConv;
        var both = forwardSays
            ? forwardWhy! with { Message = $"{forwardWhy!.Message}; backward: {refusal.Message}" }
            : refusal with { Message = $"{refusal.Message}; forward: {forwardWhy?.Message}" };
        return new AffineDecision(e, null, null, both);
    }

    /// <summary>"into Conv node 'x' through Add" or "forward into Conv node 'y'"; null when refused.</summary>
    public string? FoldInto => Backward is { } b ? b.Describe()["folded ".Length..]
        : Forward is { } f ? $"forward into {string.Join(", ", f.Consumers.Select(c => c.Conv.Describe()))}"
        : ForwardMatMuls is { } mm ? $"forward into {string.Join(", ", mm.Select(c => c.MatMul.Describe()))}" : null;

    // MatMul → Add(bias) on N-D input: folding would only put the same Add back.
    private static bool IsMatMulBias(ElementwiseAffine e) =>
        e.Node.OpType is "Add" or "Sub" && e.Scale.All(s => s == 1) && e.Data.Producer is { OpType: "MatMul", Domain: "" } mm
        && ValueRank.Of(mm.Input(0)) != 2;
}

/// <summary>One per-channel Mul/Add/Sub/Div as `inspect` shows it.</summary>
public sealed record AffineReport(string Node, string Op, bool Foldable, string? FoldInto, string? RefusalCode, string? RefusalReason);

/// <summary>fold-affine's first-sweep decision for every per-channel affine of a model (subgraphs included).</summary>
public static class AffineAnalysis
{
    /// <summary>fold-affine's decision for every per-channel Mul/Add/Sub/Div of <paramref name="model"/>, without changing it.</summary>
    public static IReadOnlyList<AffineReport> Of(Model model)
    {
        var reports = new List<AffineReport>();
        foreach (var node in model.Graph.AllNodes())
        {
            string name = node.Name.Length > 0 ? node.Name : node.Output(0)?.Name ?? node.OpType;
            if (NormAffine(node, name) is { } norm)
            {
                reports.Add(norm);
                continue;
            }
            if (!ElementwiseAffine.IsCandidate(node)) continue;
            var d = AffineDecision.Of(node, out var notAffine);
            if (d is null)
            {
                if (notAffine is not null) reports.Add(new AffineReport(name, node.OpType, false, null, notAffine.Code, notAffine.Message));
                continue;
            }
            reports.Add(new AffineReport(name, node.OpType, d.Refusal is null, d.FoldInto, d.Refusal?.Code, d.Refusal?.Message));
        }
        return reports;
    }

    /// <summary>The γ/β of an InstanceNormalization or LayerNormalization, as fold-affine would decide them; null when already 1 and 0.</summary>
    private static AffineReport? NormAffine(Node node, string name)
    {
        if (node.Domain != "") return null;
        FoldRefusal? why;
        string? into;
        switch (node.OpType)
        {
            case "InstanceNormalization":
                var ip = AffineForwardFold.TryPlanNormAffine(node, out why);
                into = ip is null ? null : $"forward into {string.Join(", ", ip.Consumers.Select(c => c.Conv.Describe()))}";
                break;
            case "LayerNormalization":
                var lp = LayerNormAffineFold.TryPlan(node, out why);
                into = lp is null ? null : $"forward into {lp.Targets}";
                break;
            default:
                return null;
        }
        if (into is null && why is null) return null;
        return new AffineReport(name, node.OpType, into is not null, into, why?.Code, why?.Message);
    }
}
