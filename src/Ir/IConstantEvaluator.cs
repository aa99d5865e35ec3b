namespace OnnxNorm.Ir;

/// <summary>
/// Computes one node whose inputs are all known constants. It lives beside the IR because both sides
/// already depend on it: the passes call it (constant folding) and the runtime implements it with its
/// executor, without the pass library depending on the runtime (and its native ONNX Runtime assets).
/// </summary>
public interface IConstantEvaluator
{
    /// <summary>
    /// The node's outputs computed from <paramref name="inputs"/> (null where an optional input is absent),
    /// or null when the evaluator has no kernel for it or the computation fails; the caller then leaves
    /// the node alone.
    /// </summary>
    IReadOnlyList<Tensor>? TryEvaluate(Node node, IReadOnlyList<Tensor?> inputs);
}
