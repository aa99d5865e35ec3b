namespace OnnxNorm.Runtime.Engines;

/// <summary>
/// Runs a model on one batch and hands over the intermediate values it was asked to watch (the BN inputs).
/// A value handed to the callback is only valid during the call. Calls for different values may come from
/// several threads at once; each value is handed over once per batch. Two implementations: the native executor
/// (an observer sees each value as it is produced) and ONNX Runtime (the values become extra outputs).
/// </summary>
public interface IActivationEngine : IDisposable
{
    /// <summary>Runs one batch; <paramref name="onWatched"/> receives each watched value by name (valid only during the call).</summary>
    void Run(IReadOnlyDictionary<string, TensorValue> feeds, Action<string, TensorValue> onWatched);
}

/// <summary>Builds an engine for the current state of a model that watches the named values.</summary>
public delegate IActivationEngine ActivationEngineFactory(OnnxNorm.Ir.Model model, IReadOnlySet<string> watched);
