namespace OnnxNorm.Passes;

/// <summary>Diagnostic codes for folds that happened; the optimize summary groups by them.</summary>
public static class FoldCodes
{
    public const string FoldedForwardIntoConv = "folded-forward-into-conv";
    public const string ConvertedToAffine = "converted-to-affine";
    public const string AffineFoldedForwardIntoConv = "affine-folded-forward-into-conv";
    public const string AffineFoldedForwardIntoMatMul = "affine-folded-forward-into-matmul";

    public static string FoldedInto(string producerKind) => producerKind switch
    {
        FoldBatchNorm.Conv => "folded-into-conv",
        FoldBatchNorm.ConvTranspose => "folded-into-conv-transpose",
        FoldBatchNorm.Gemm => "folded-into-gemm",
        FoldBatchNorm.MatMul => "folded-into-matmul",
        _ => "folded-into-" + producerKind.ToLowerInvariant(),
    };

    /// <summary>The code of a per-channel Mul/Add/Sub/Div folded by fold-affine ("affine-folded-into-conv").</summary>
    public static string AffineFoldedInto(string producerKind) => "affine-" + FoldedInto(producerKind);

    public static bool IsFold(string code) => code.StartsWith("folded-", StringComparison.Ordinal) || code == ConvertedToAffine;

    /// <summary>True for a fold of a Mul/Add/Sub/Div (not a BN).</summary>
    public static bool IsAffineFold(string code) => code.StartsWith("affine-folded-", StringComparison.Ordinal);
}
