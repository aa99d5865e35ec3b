using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-affine`: every Mul/Add/Sub/Div of an activation by a per-channel constant is folded backward into
/// the Conv, ConvTranspose, Gemm or MatMul that computes the activation (a Conv's bias Add, ConvNeXt's layer
/// scale after MatMul → Add → Transpose, a Conv followed by Mul and Add), by the affine engine
/// (<see cref="AffineBackwardFold"/>). A MatMul's own bias Add on N-D input is already its canonical form and
/// is left alone. Each one left gets a coded reason.
/// </summary>
public sealed class FoldAffinePass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : IPass
{
    public const string PassName = "fold-affine";

    public string Name => PassName;
    public string Description => "Fold per-channel Mul/Add/Sub/Div by constants into the Conv/ConvTranspose/Gemm/MatMul before them.";
    public bool IsAnalysis => false;

    // The BN arithmetic setting does not apply here (the constants are used as they are); kept for a uniform factory.
    public BatchNormArithmetic Arithmetic { get; } = arithmetic;

    public PassResult Run(Model model)
    {
        var diagnostics = new List<Diagnostic>();
        bool modified = false;
        var removed = new HashSet<Node>();
        foreach (var g in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in g.Nodes.Where(ElementwiseAffine.IsCandidate).ToList())
            {
                if (removed.Contains(node)) continue;
                var e = ElementwiseAffine.TryRead(node, out var why);
                if (e is null)
                {
                    if (why is not null) diagnostics.Add(why.ToDiagnostic(NameOf(node)));
                    continue;
                }
                if (IsMatMulBias(e)) continue;
                var plan = AffineBackwardFold.TryPlan(node, e.DataIndex, e.Scale, e.Shift, e.Constant.AxisFromEnd, e.Constant.Rank, out var refusal);
                if (plan is null)
                {
                    diagnostics.Add(refusal!.ToDiagnostic(NameOf(node)));
                    continue;
                }
                string message = plan.Describe();
                plan.Apply();
                removed.Add(node);
                foreach (var (n, _) in plan.Absorbed) removed.Add(n);
                modified = true;
                diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedInto(plan.TargetKind), NameOf(node), message));
            }
        }
        return new PassResult(modified, diagnostics);
    }

    private static string NameOf(Node n) => n.Name.Length > 0 ? n.Name : n.Output(0)?.Name ?? n.OpType;

    // MatMul → Add(bias) on N-D input: folding would only put the same Add back.
    private static bool IsMatMulBias(ElementwiseAffine e) =>
        e.Node.OpType is "Add" or "Sub" && e.Scale.All(s => s == 1) && e.Data.Producer is { OpType: "MatMul", Domain: "" } mm
        && ValueRank.Of(mm.Input(0)) != 2;
}
