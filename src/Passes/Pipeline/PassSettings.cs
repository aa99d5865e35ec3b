namespace OnnxNorm.Passes;

/// <summary>What a pass is told when the registry makes it (the CLI's options that change what passes compute).</summary>
public sealed record PassSettings
{
    /// <summary>The defaults: inference BN arithmetic, no constant evaluator.</summary>
    public static PassSettings Default { get; } = new();

    /// <summary>The per-channel scale and shift the BN rewrites use (`optimize --bn-arithmetic`).</summary>
    public BatchNormArithmetic BatchNormArithmetic { get; init; } = BatchNormArithmetic.Inference;

    /// <summary>What computes constant-only nodes for fold-constants (the CLI gives it the native executor); null: Identity and Shape only.</summary>
    public OnnxNorm.Ir.IConstantEvaluator? ConstantEvaluator { get; init; }
}
