namespace OnnxNorm.Passes;

/// <summary>Diagnostic codes for folds that happened; the optimize summary groups by them.</summary>
public static class FoldCodes
{
    /// <summary>A BN folded into the Conv that reads it.</summary>
    public const string FoldedForwardIntoConv = "folded-forward-into-conv";
    /// <summary>A BN rewritten as Mul and Add (bn-to-affine).</summary>
    public const string ConvertedToAffine = "converted-to-affine";
    /// <summary>A per-channel affine folded into the Conv that reads it.</summary>
    public const string AffineFoldedForwardIntoConv = "affine-folded-forward-into-conv";
    /// <summary>A per-channel affine folded into the MatMul or Gemm that reads it.</summary>
    public const string AffineFoldedForwardIntoMatMul = "affine-folded-forward-into-matmul";

    /// <summary>The code of a BN folded into a producer of kind <paramref name="producerKind"/> ("folded-into-conv").</summary>
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

    /// <summary>True for the code of a fold that happened (not a refusal).</summary>
    public static bool IsFold(string code) => code.StartsWith("folded-", StringComparison.Ordinal) || code == ConvertedToAffine;

    /// <summary>True for a fold of a Mul/Add/Sub/Div (not a BN).</summary>
    public static bool IsAffineFold(string code) => code.StartsWith("affine-folded-", StringComparison.Ordinal);
}
