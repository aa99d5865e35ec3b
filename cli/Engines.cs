using OnnxNorm.Graph;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Ort;

namespace OnnxNorm.Cli;

/// <summary>Which executor runs a model.</summary>
public enum EngineKind { Native, Ort }

/// <summary>A graph input as the CLI needs it: name, element type, dims (null = symbolic).</summary>
public sealed record EngineInput(string Name, ElementType ElementType, long?[] Dims);

/// <summary>The two executors behind one small interface, so run/compare/bench treat them alike.</summary>
public interface IEngine : IDisposable
{
    string Name { get; }
    IReadOnlyList<EngineInput> Inputs { get; }
    Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> feeds);
}

public static class Engines
{
    /// <summary>Opens a model. <paramref name="optimize"/> turns on ORT's graph optimisations (bench); off, ORT runs the graph as written (compare).</summary>
    public static IEngine Open(EngineKind kind, string modelPath, int threads, bool optimize = false) => kind switch
    {
        EngineKind.Native => new NativeEngine(modelPath, threads),
        _ => new OrtEngine(modelPath, threads, optimize),
    };

    public static EngineKind Parse(string s) => s.ToLowerInvariant() switch
    {
        "native" => EngineKind.Native,
        "ort" => EngineKind.Ort,
        _ => throw new BadInputException($"--engine must be 'native' or 'ort', not '{s}'"),
    };

    private sealed class NativeEngine : IEngine
    {
        private readonly Model _model;
        private readonly NativeSession _session;

        public NativeEngine(string path, int threads)
        {
            _model = ModelLoader.Load(path);
            _session = NativeSession.Create(_model, new SessionOptions { Threads = threads });
            Inputs = _session.RequiredInputs.Select(i => new EngineInput(i.Name, i.ElementType,
                i.Shape?.Select(d => d.Value).ToArray() ?? Array.Empty<long?>())).ToArray();
        }

        public string Name => "native";
        public IReadOnlyList<EngineInput> Inputs { get; }
        public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> feeds) => _session.Run(feeds);
        public void Dispose() => _model.Dispose();
    }

    private sealed class OrtEngine : IEngine
    {
        private readonly OrtSession _session;

        public OrtEngine(string path, int threads, bool optimize)
        {
            _session = OrtSession.FromFile(path, new OrtSessionOptions
            {
                IntraOpThreads = threads,
                InterOpThreads = 1,
                OptimizationLevel = optimize ? GraphOptimizationLevel.All : GraphOptimizationLevel.Disabled,
            });
            Inputs = _session.Inputs.Select(i => new EngineInput(i.Name, i.ElementType, i.Dims.Select(d => d < 0 ? (long?)null : d).ToArray())).ToArray();
        }

        public string Name => "ort";
        public IReadOnlyList<EngineInput> Inputs { get; }
        public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> feeds) => _session.Run(feeds);
        public void Dispose() => _session.Dispose();
    }
}
