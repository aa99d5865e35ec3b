namespace OnnxNorm.Passes;

/// <summary>
/// Runs the original and the rewritten model on the same seeded inputs and says whether they agree. The
/// passes do not depend on any runtime: the CLI plugs in an implementation (ONNX Runtime) when it has one.
/// </summary>
public interface IEquivalenceCheck
{
    /// <summary>What compares, for the report ("onnxruntime 1.30, optimisations off").</summary>
    string Name { get; }

    /// <summary>Runs both serialised models and says whether they agree.</summary>
    EquivalenceResult Compare(byte[] originalModel, byte[] rewrittenModel);
}
