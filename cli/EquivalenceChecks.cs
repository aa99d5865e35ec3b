using OnnxNorm.Passes;

namespace OnnxNorm.Cli;

/// <summary>The equivalence check `optimize --verify` uses: ONNX Runtime with its optimisations off.</summary>
public static class EquivalenceChecks
{
    public static IEquivalenceCheck Default() => new OrtEquivalenceCheck();
}
