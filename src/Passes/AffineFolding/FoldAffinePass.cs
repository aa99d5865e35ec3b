using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-affine`, the per-channel affine engine: every inference BatchNormalization (<see cref="BatchNormRule"/>:
/// backward, else forward, else one refusal) and every Mul/Add/Sub/Div of an activation by a per-channel constant is folded backward into
/// the Conv, ConvTranspose, Gemm or MatMul that computes the activation (a Conv's bias Add, ConvNeXt's layer
/// scale after MatMul → Add → Transpose, a Conv followed by Mul and Add), by the affine engine
/// (<see cref="AffineBackwardFold"/>); where that is refused, forward into the Convs that read it
/// (<see cref="AffineForwardFold"/>: GroupNorm's exported Mul/Add before a 1×1 Conv). InstanceNormalization's
/// scale and B move forward the same way into Convs, LayerNormalization's into MatMuls (<see cref="LayerNormAffineFold"/>). A MatMul's own bias Add on N-D input is already its canonical form
/// and is left alone. Each one left gets a coded reason.
/// </summary>
public sealed class FoldAffinePass(BatchNormArithmetic arithmetic = BatchNormArithmetic.Inference) : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-affine";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "The per-channel affine engine: fold inference BatchNormalization and per-channel Mul/Add/Sub/Div by constants into the Conv/ConvTranspose/Gemm/MatMul before them (or the Conv/ConvTranspose/Gemm/MatMul after them), and the scale and B of InstanceNormalization and LayerNormalization into the ops after them.";
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        var folds = new List<Diagnostic>();
        List<Diagnostic> refusals;
        bool modified = false, changed;
        int round = 0;
        // A fold can open another (GroupNorm's Mul can move into the Conv only once the Add after it has), so
        // sweep until nothing changes; the refusals of the last sweep are the ones that stand.
        do
        {
            refusals = new List<Diagnostic>();
            changed = Sweep(model, folds, refusals);
            modified |= changed;
        } while (changed && ++round < MaxSweeps);
        folds.AddRange(refusals);
        return new PassResult(modified, folds);
    }

    private const int MaxSweeps = 8;

    private bool Sweep(Model model, List<Diagnostic> folds, List<Diagnostic> refusals)
    {
        bool changed = false;
        var removed = new HashSet<Node>();
        foreach (var g in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in g.Nodes.ToList())
            {
                if (removed.Contains(node)) continue;
                if (node is { OpType: "BatchNormalization", Domain: "" })
                {
                    var said = BatchNormRule.Apply(node, arithmetic, BatchNormRule.Directions.Both, out bool folded);
                    if (!folded) { refusals.Add(said); continue; }
                    removed.Add(node);
                    changed = true;
                    folds.Add(said);
                    continue;
                }
                if (node is { OpType: "InstanceNormalization", Domain: "" })
                {
                    var np = AffineForwardFold.TryPlanNormAffine(node, out var normWhy);
                    if (np is null)
                    {
                        if (normWhy is not null) refusals.Add(normWhy.ToDiagnostic(NameOf(node)));
                        continue;
                    }
                    AffineForwardFold.ApplyNormAffine(np, node);
                    changed = true;
                    folds.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedForwardIntoConv, NameOf(node),
                        $"its scale and B folded forward into {string.Join(", ", np.Consumers.Select(c => c.Conv.Describe()))}"));
                    continue;
                }
                if (node is { OpType: "LayerNormalization", Domain: "" })
                {
                    var lp = LayerNormAffineFold.TryPlan(node, out var lnWhy);
                    if (lp is null)
                    {
                        if (lnWhy is not null) refusals.Add(lnWhy.ToDiagnostic(NameOf(node)));
                        continue;
                    }
                    LayerNormAffineFold.Apply(lp);
                    changed = true;
                    folds.Add(new Diagnostic(DiagnosticSeverity.Info, lp.Linear is null ? FoldCodes.AffineFoldedForwardIntoMatMul : FoldCodes.AffineFoldedForwardIntoConv, NameOf(node),
                        $"its scale and B folded forward into {lp.Targets}"));
                    continue;
                }
                if (!ElementwiseAffine.IsCandidate(node)) continue;
                var d = AffineDecision.Of(node, out var notAffine);
                if (d is null)
                {
                    if (notAffine is not null) refusals.Add(notAffine.ToDiagnostic(NameOf(node)));
                    continue;
                }
                if (d.Backward is { } plan)
                {
                    string message = plan.Describe();
                    plan.Apply();
                    removed.Add(node);
                    foreach (var (n, _) in plan.Absorbed) removed.Add(n);
                    changed = true;
                    folds.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedInto(plan.TargetKind), NameOf(node), message));
                }
                else if (d.Forward is { } forward)
                {
                    string message = $"folded {d.FoldInto}";
                    AffineForwardFold.Apply(forward, d.Affine);
                    removed.Add(node);
                    changed = true;
                    folds.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedForwardIntoConv, NameOf(node), message));
                }
                else if (d.ForwardMatMuls is { } matMuls)
                {
                    string message = $"folded {d.FoldInto}";
                    LayerNormAffineFold.ApplyToMatMuls(matMuls);
                    AffineFoldPlan.Bypass(node, d.Affine.DataIndex);
                    removed.Add(node);
                    changed = true;
                    folds.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.AffineFoldedForwardIntoMatMul, NameOf(node), message));
                }
                else
                {
                    refusals.Add(d.Refusal!.ToDiagnostic(NameOf(node)));
                }
            }
        }
        return changed;
    }

    private static string NameOf(Node n) => n.Name.Length > 0 ? n.Name : n.Output(0)?.Name ?? n.OpType;
}
