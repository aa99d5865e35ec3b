namespace OnnxNorm.Workflows.Comparison;

/// <summary>Which engines run the candidate (A) and the trusted side (B) of a comparison.</summary>
public enum PairEngines
{
    /// <summary>Model A and model B, both in ONNX Runtime.</summary>
    OrtVsOrt,
    /// <summary>Model A and model B, both on the native executor.</summary>
    NativeVsNative,
    /// <summary>One model: the native executor (candidate) against ONNX Runtime (trusted).</summary>
    NativeVsOrt,
}
