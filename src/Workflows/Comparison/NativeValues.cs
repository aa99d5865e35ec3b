using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>Runs a model once on the native executor and keeps copies of the named intermediate values (an observer sees them as they are made).</summary>
internal static class NativeValues
{
    public static Dictionary<string, TensorValue> Run(Model model, IReadOnlyCollection<string> names, IReadOnlyDictionary<string, TensorValue> inputs, ExecutionPrecision precision,
        KernelRegistry? registry = null)
    {
        var observer = new CopyObserver(names.ToHashSet(StringComparer.Ordinal));
        Run(model, observer, inputs, precision, registry);
        return observer.Values;
    }

    /// <summary>Runs the model once, handing the values <paramref name="observer"/> wants to it as they are made.</summary>
    public static void Run(Model model, IExecutionObserver observer, IReadOnlyDictionary<string, TensorValue> inputs, ExecutionPrecision precision,
        KernelRegistry? registry = null)
    {
        var session = NativeSession.Create(model, new SessionOptions { Observer = observer, Precision = precision, Threads = Environment.ProcessorCount }, registry);
        var signatures = session.Inputs.Where(i => session.RequiredInputs.Contains(i))
            .Select(i => new TensorSignature(i.Name, i.ElementType, (i.Shape ?? Array.Empty<Dim>()).Select(d => d.Value ?? -1).ToArray(),
                (i.Shape ?? Array.Empty<Dim>()).Select(d => d.Value is null ? d.Param : null).ToArray()))
            .ToList();
        session.Run(ComparisonInputs.AdaptTo(signatures, inputs));
    }

    private sealed class CopyObserver : IExecutionObserver
    {
        private readonly HashSet<string> _names;

        public CopyObserver(HashSet<string> names) => _names = names;

        public Dictionary<string, TensorValue> Values { get; } = new(StringComparer.Ordinal);

        public bool Wants(Node producer, int outputIndex) => producer.Output(outputIndex) is { } v && _names.Contains(v.Name);

        public void OnValue(Node producer, int outputIndex, TensorValue value) => Values[producer.Output(outputIndex)!.Name] = NativeSession.Copy(value);
    }
}
