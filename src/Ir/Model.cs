using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// An ONNX model: IR version, opset imports, metadata and the main graph. Fields the IR does not model
/// (producer, doc string, metadata, functions, training info, unknown fields) stay in <see cref="Shell"/>
/// and are written back unchanged.
/// </summary>
public sealed class Model : IDisposable
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private Graph? _graph;

    private readonly bool _ownsExternalData;

    internal Model(ModelProto shell, string? sourcePath, ExternalDataStore? external, bool ownsExternalData = true)
    {
        Shell = shell;
        SourcePath = sourcePath;
        External = external;
        _ownsExternalData = ownsExternalData;
    }

    /// <summary>
    /// A structural copy to edit freely (extra outputs, a working copy for statistics) without serialising.
    /// Weights are shared with this model, so the copy must not outlive it.
    /// </summary>
    public Model Clone() => ModelCloner.Clone(this);

    internal void CopyNamesFrom(Model source)
    {
        _names.UnionWith(source._names);
        _nodeNames.UnionWith(source._nodeNames);
    }

    internal ModelProto Shell { get; }

    /// <summary>The file this model was loaded from, if any.</summary>
    public string? SourcePath { get; }

    internal ExternalDataStore? External { get; }

    /// <summary>Where the weights the parser skipped are (see <see cref="RawDataStripper"/>), during loading.</summary>
    internal RawDataStripper? RawPayloads { get; init; }

    /// <summary>The ONNX IR version the model declares.</summary>
    public long IrVersion { get => Shell.IrVersion; set => Shell.IrVersion = value; }
    /// <summary>The producer name written by the exporter (e.g. "pytorch").</summary>
    public string ProducerName => Shell.ProducerName;
    /// <summary>The producer's version string.</summary>
    public string ProducerVersion => Shell.ProducerVersion;
    /// <summary>The model's doc string.</summary>
    public string DocString => Shell.DocString;

    /// <summary>The operator sets the model imports: domain ("" is the default ONNX domain) and version.</summary>
    public IReadOnlyList<(string Domain, long Version)> OpsetImports =>
        Shell.OpsetImport.Select(o => (NormalizeDomain(o.Domain), o.Version)).ToList();

    /// <summary>The model's metadata_props, in file order.</summary>
    public IReadOnlyList<(string Key, string Value)> Metadata =>
        Shell.MetadataProps.Select(m => (m.Key, m.Value)).ToList();

    /// <summary>How many model-local functions the model defines (kept as written).</summary>
    public int FunctionCount => Shell.Functions.Count;

    /// <summary>The main graph.</summary>
    public Graph Graph { get => _graph ?? throw new InvalidOperationException("model has no graph"); internal set => _graph = value; }

    /// <summary>The imported opset version of a domain, or 0 if the model does not import it.</summary>
    public long OpsetFor(string domain)
    {
        domain = NormalizeDomain(domain);
        foreach (var o in Shell.OpsetImport)
            if (NormalizeDomain(o.Domain) == domain) return o.Version;
        return 0;
    }

    /// <summary>The domain as OnnxNorm compares it: "ai.onnx" becomes "".</summary>
    public static string NormalizeDomain(string domain) => domain is "ai.onnx" ? "" : domain;

    internal void ReserveName(string name) => _names.Add(name);

    /// <summary>A value name unique in the whole model (every scope), stable for the same graph and hint.</summary>
    public string UniqueName(string hint)
    {
        if (string.IsNullOrEmpty(hint)) hint = "v";
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    internal void ReserveNodeName(string name)
    {
        if (name.Length > 0) _nodeNames.Add(name);
    }

    /// <summary>A node name derived from <paramref name="hint"/> that no node of the model has yet.</summary>
    public string UniqueNodeName(string hint)
    {
        if (string.IsNullOrEmpty(hint)) hint = "node";
        if (_nodeNames.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (_nodeNames.Add(candidate)) return candidate;
        }
    }

    /// <summary>Every tensor held by the model: initializers of every graph, then Constant node values.</summary>
    public IEnumerable<Tensor> AllInitializers() =>
        Graph.AllGraphs().SelectMany(g => g.Initializers).Select(v => v.Initializer!);

    /// <summary>Releases the memory-mapped model file and external data; tensors read from them are invalid afterwards.</summary>
    public void Dispose()
    {
        if (_ownsExternalData) External?.Dispose();
    }
}
