namespace OnnxNorm.Passes;

/// <summary>Which per-channel scale s and shift t a BN rewrite uses.</summary>
public enum BatchNormArithmetic
{
    /// <summary>
    /// The constants a float inference engine applies for the unfolded BN: inv = 1/√(σ²+ε), s = inv·γ,
    /// t = β − μ·s, each operation rounded to the parameters' type (float32 for float16/bfloat16 ones), as
    /// ONNX Runtime's and PyTorch's CPU kernels form them. The folded model then differs from the unfolded
    /// one only by the rounding of each folded weight. The default.
    /// </summary>
    Inference,

    /// <summary>s = γ/√(σ²+ε) and t = β − μ·s in double: the real-number formula, closest to a float64 evaluation.</summary>
    Exact,
}
