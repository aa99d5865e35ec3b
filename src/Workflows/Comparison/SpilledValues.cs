using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// One native run of a model whose chosen intermediate values go to a temporary file as they are made, to be read
/// back a chunk at a time. The per-node search runs each native side (above all the slow float64 reference) once
/// this way instead of once per chunk, and memory stays bounded by one value: the file holds the rest. The file is
/// deleted when this is disposed. Strings (no byte view, and rare in the middle of a graph) stay in memory.
/// </summary>
internal sealed class SpilledValues : IDisposable
{
    private readonly FileStream _file;
    private readonly Dictionary<string, (ElementType Type, long[] Shape, long Offset)> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorValue> _strings = new(StringComparer.Ordinal);

    private SpilledValues()
    {
        string path = Path.Combine(Path.GetTempPath(), $"onnxnorm-values-{Guid.NewGuid():N}.bin");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
    }

    /// <summary>Bytes written to the file.</summary>
    public long Bytes => _file.Length;

    /// <summary>Runs <paramref name="model"/> once at <paramref name="precision"/>, spilling the named values.</summary>
    public static SpilledValues Run(Model model, IReadOnlyCollection<string> names, IReadOnlyDictionary<string, TensorValue> inputs,
        ExecutionPrecision precision, KernelRegistry? registry = null)
    {
        var spilled = new SpilledValues();
        try
        {
            NativeValues.Run(model, new SpillObserver(spilled, names.ToHashSet(StringComparer.Ordinal)), inputs, precision, registry);
            _ = spilled._file.Seek(0, SeekOrigin.Begin);
            return spilled;
        }
        catch
        {
            spilled.Dispose();
            throw;
        }
    }

    /// <summary>The values among <paramref name="names"/> that the run produced, read back from the file.</summary>
    public Dictionary<string, TensorValue> Read(IEnumerable<string> names)
    {
        var values = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (_strings.TryGetValue(name, out var s)) { values[name] = s; continue; }
            if (!_index.TryGetValue(name, out var at)) continue;
            var t = TensorValue.Allocate(at.Type, at.Shape, name);
            _file.Position = at.Offset;
            _file.ReadExactly(t.AsBytes());
            values[name] = t;
        }
        return values;
    }

    private void Write(string name, TensorValue value)
    {
        if (value.ElementType == ElementType.String) { _strings[name] = NativeSession.Copy(value); return; }
        _index[name] = (value.ElementType, (long[])value.Shape.Clone(), _file.Position);
        _file.Write(value.AsBytes());
    }

    public void Dispose() => _file.Dispose();

    private sealed class SpillObserver : IExecutionObserver
    {
        private readonly SpilledValues _into;
        private readonly HashSet<string> _names;

        public SpillObserver(SpilledValues into, HashSet<string> names)
        {
            _into = into;
            _names = names;
        }

        public bool Wants(Node producer, int outputIndex) => producer.Output(outputIndex) is { } v && _names.Contains(v.Name);

        public void OnValue(Node producer, int outputIndex, TensorValue value) => _into.Write(producer.Output(outputIndex)!.Name, value);
    }
}
