using OnnxNorm.Passes;

namespace OnnxNorm.Cli;

/// <summary>
/// The equivalence check `optimize --verify` uses. Null while this build has no ONNX Runtime binding:
/// then --verify checks graph invariants only and says so.
/// </summary>
public static class EquivalenceChecks
{
    public static IEquivalenceCheck? Default() => null;
}
