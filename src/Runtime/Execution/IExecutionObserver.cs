using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Sees intermediate values as they are produced (for statistics and per-node comparison).
/// <see cref="Wants"/> is asked once per node output when the plan is built; <see cref="OnValue"/> is then
/// called for the wanted ones right after the node runs, before the buffer can be reused. The value is only
/// valid during the call: copy it to keep it. A value the observer wants is never fused away.
/// </summary>
public interface IExecutionObserver
{
    /// <summary>Whether the observer wants output <paramref name="outputIndex"/> of <paramref name="producer"/> (asked at plan time).</summary>
    bool Wants(Node producer, int outputIndex);

    /// <summary>A wanted value, right after its node ran; valid only during the call.</summary>
    void OnValue(Node producer, int outputIndex, TensorValue value);
}
