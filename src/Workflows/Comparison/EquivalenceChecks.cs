using OnnxNorm.Passes;
using OnnxNorm.Runtime.Data;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>The equivalence check `optimize --verify` uses: ONNX Runtime with its optimisations off.</summary>
public static class EquivalenceChecks
{
    /// <summary>The check <c>optimize --verify</c> runs: ONNX Runtime with optimisations off, seeded inputs, the noise-aware verdict.</summary>
    public static IEquivalenceCheck Default(ulong seed, ShapeOverrides shapes) => new OrtEquivalenceCheck(seed, shapes);
}
