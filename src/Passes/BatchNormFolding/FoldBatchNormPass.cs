using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-bn`: folds every inference-mode BatchNormalization into the Conv, ConvTranspose, Gemm or MatMul
/// that produces its input, in the main graph and in every If/Loop/Scan body. The decision and the math
/// are in <see cref="FoldBatchNorm"/>; each BN left alone gets a diagnostic with the reason.
/// </summary>
public sealed class FoldBatchNormPass : IPass
{
    public const string PassName = "fold-bn";

    public string Name => PassName;
    public string Description => "Fold BatchNormalization into the Conv/ConvTranspose/Gemm/MatMul before it.";
    public bool IsAnalysis => false;

    public PassResult Run(Model model)
    {
        var diagnostics = new List<Diagnostic>();
        bool modified = false;
        foreach (var bn in BatchNormNodes.In(model))
        {
            var plan = FoldBatchNorm.TryPlan(bn, out var refusal);
            if (plan is null)
            {
                diagnostics.Add(refusal!.ToDiagnostic(bn.Name));
                continue;
            }
            string producer = plan.Producer.Describe();
            FoldBatchNorm.Apply(plan);
            modified = true;
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, FoldCodes.FoldedInto(plan.ProducerKind), bn.Name,
                $"folded into {producer}"));
        }
        return new PassResult(modified, diagnostics);
    }
}

/// <summary>Diagnostic codes for folds that happened; the optimize summary groups by them.</summary>
public static class FoldCodes
{
    public const string FoldedForwardIntoConv = "folded-forward-into-conv";
    public const string ConvertedToAffine = "converted-to-affine";

    public static string FoldedInto(string producerKind) => producerKind switch
    {
        FoldBatchNorm.Conv => "folded-into-conv",
        FoldBatchNorm.ConvTranspose => "folded-into-conv-transpose",
        FoldBatchNorm.Gemm => "folded-into-gemm",
        FoldBatchNorm.MatMul => "folded-into-matmul",
        _ => "folded-into-" + producerKind.ToLowerInvariant(),
    };

    public static bool IsFold(string code) => code.StartsWith("folded-", StringComparison.Ordinal) || code == ConvertedToAffine;
}

/// <summary>Finds the BatchNormalization nodes of a model, subgraphs included, as a snapshot safe to rewrite while iterating.</summary>
public static class BatchNormNodes
{
    public static List<Node> In(Model model) =>
        model.Graph.AllGraphs().ToList()
            .SelectMany(g => g.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain == "").ToList())
            .ToList();
}
