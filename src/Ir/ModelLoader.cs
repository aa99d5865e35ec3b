using Google.Protobuf;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Loads a model file into the IR and validates it. Every problem becomes a <see cref="BadInputException"/>
/// whose one-line message names the file and the node or tensor.
/// </summary>
public static class ModelLoader
{
    /// <summary>The oldest IR version the loader accepts.</summary>
    public const long MinIrVersion = 3;
    /// <summary>The newest IR version the loader accepts.</summary>
    public const long MaxIrVersion = 12;
    /// <summary>The newest ai.onnx opset this tool knows; a model asking for a newer one is refused, not guessed at.</summary>
    public const long MaxDefaultOpset = 25;
    // Each nesting level of a subgraph costs three protobuf message levels (node, attribute, graph).
    private const int ProtobufRecursionLimit = 128;

    /// <summary>Loads and validates the model at <paramref name="path"/>; weights stay in the file (memory-mapped) until read.</summary>
    /// <exception cref="BadInputException">The file is missing, malformed or breaks a limit (one line naming it).</exception>
    public static Model Load(string path, LoadLimits? limits = null)
    {
        string label = Path.GetFileName(path);
        ModelProto proto;
        RawDataStripper? payloads = null;
        try
        {
            // Opened once, checked on the handle (a FIFO must not hang, a device is no model), used for both paths.
            using var fs = InputFile.OpenRead(path, "a model file", out bool isPipe);
            if (isPipe)
            {
                // `inspect <(cat m.onnx)`: a pipe cannot be mapped or re-read; its bytes are the model.
                var bytes = InputFile.ReadToEnd(fs, label);
                return Load(bytes, label, null, limits);
            }
            if (fs.Length == 0) throw new BadInputException($"{label}: the file is empty, not an ONNX model");
            // The weights stay in the mapped file; only the graph structure goes through the parser.
            var map = MappedFile.TryOpen(fs);
            if (map is not null && RawDataStripper.TryStrip(map.Memory) is { } stripped)
            {
                proto = Parse(CodedInputStream.CreateWithLimits(new MemoryStream(stripped.Proto), int.MaxValue, ProtobufRecursionLimit), label);
                payloads = stripped.Payloads;
            }
            else
            {
                fs.Position = 0;
                proto = Parse(CodedInputStream.CreateWithLimits(new BufferedStream(fs, 1 << 16), int.MaxValue, ProtobufRecursionLimit), label);
            }
        }
        catch (IOException e) { throw new BadInputException($"{label}: cannot read: {TerminalText.OneLine(e.Message)}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{label}: cannot read: {TerminalText.OneLine(e.Message)}"); }
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Build(proto, label, Path.GetFullPath(path), new ExternalDataStore(baseDir), limits ?? LoadLimits.Default, payloads);
    }

    /// <summary>Loads from bytes. External data, if any, is resolved against <paramref name="baseDir"/>.</summary>
    public static Model Load(ReadOnlySpan<byte> bytes, string label = "model", string? baseDir = null, LoadLimits? limits = null)
    {
        if (bytes.Length == 0) throw new BadInputException($"{label}: empty input, not an ONNX model");
        // One copy, which the weights then use in place (the parser would copy each of them again).
        var copy = bytes.ToArray();
        var stripped = RawDataStripper.TryStrip(copy);
        var proto = Parse(CodedInputStream.CreateWithLimits(new MemoryStream(stripped?.Proto ?? copy), int.MaxValue, ProtobufRecursionLimit), label);
        return Build(proto, label, null, baseDir is null ? null : new ExternalDataStore(baseDir), limits ?? LoadLimits.Default, stripped?.Payloads);
    }

    private static ModelProto Parse(CodedInputStream input, string label)
    {
        try
        {
            var proto = new ModelProto();
            proto.MergeFrom(input);
            return proto;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new BadInputException($"{label}: not a valid ONNX protobuf ({FirstSentence(e.Message)})");
        }
        catch (Exception e) when (e is not BadInputException and not OutOfMemoryException)
        {
            throw new BadInputException($"{label}: not a valid ONNX protobuf ({FirstSentence(e.Message)})");
        }
    }

    private static string FirstSentence(string s)
    {
        int i = s.IndexOfAny(new[] { '\n', '\r' });
        return (i < 0 ? s : s[..i]).Trim();
    }

    private static Model Build(ModelProto proto, string label, string? path, ExternalDataStore? store, LoadLimits limits, RawDataStripper? payloads)
    {
        var model = new Model(proto, path, store) { RawPayloads = payloads };
        try
        {
            if (!proto.HasIrVersion) throw new BadInputException("ir_version is missing (not an ONNX model?)");
            if (proto.IrVersion < MinIrVersion || proto.IrVersion > MaxIrVersion)
                throw new BadInputException($"IR version {proto.IrVersion} is not supported (supported: {MinIrVersion}..{MaxIrVersion})");
            if (proto.Graph is null) throw new BadInputException("the model has no graph");
            var seenDomains = new HashSet<string>();
            foreach (var o in proto.OpsetImport)
            {
                if (!seenDomains.Add(Model.NormalizeDomain(o.Domain)))
                    throw new BadInputException($"opset for domain '{o.Domain}' is imported twice");
                if (o.Version < 1)
                    throw new BadInputException($"opset {o.Version} for domain '{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)}' is not a valid version");
                if (Model.NormalizeDomain(o.Domain).Length == 0 && o.Version > MaxDefaultOpset)
                    throw new BadInputException($"ai.onnx opset {o.Version} is newer than any this tool knows (up to {MaxDefaultOpset})");
            }
            var gp = proto.Graph;
            proto.Graph = new GraphProto(); // placeholder; the saver writes the IR's graph back
            model.Graph = BuildGraph(model, gp, null, null, limits, store);
            CheckOpsets(model);
            foreach (var g in model.Graph.AllGraphs()) g.TopologicalOrder(); // throws on a cycle
            CheckFunctions(proto);
            ExternalDataSeal.Verify(proto, store);
            return model;
        }
        catch (BadInputException e)
        {
            model.Dispose();
            throw new BadInputException($"{label}: {e.Message}", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    internal static Graph BuildGraph(Model model, GraphProto gp, Graph? parent, Node? owner, LoadLimits limits, ExternalDataStore? store)
    {
        int depth = parent is null ? 0 : parent.Depth + 1;
        if (depth > limits.MaxSubgraphDepth)
            throw new BadInputException($"subgraphs nest deeper than {limits.MaxSubgraphDepth} levels (at {owner!.Describe()})");

        // A reader of a sparse initializer would otherwise be told "nothing defines" it, which is wrong.
        if (gp.SparseInitializer.Count > 0)
        {
            var sp = gp.SparseInitializer[0];
            string name = sp.Values?.Name is { Length: > 0 } n ? n : "(unnamed)";
            throw new BadInputException($"sparse_initializer '{name}' is not supported (store it as a dense initializer){(parent is null ? "" : $" (in a subgraph of {owner!.Describe()})")}");
        }
        // The GraphProto itself becomes the shell: its lists move into the IR, everything else stays.
        var nodes = gp.Node.ToList();
        var initializers = gp.Initializer.ToList();
        var inputs = gp.Input.ToList();
        var outputs = gp.Output.ToList();
        var valueInfo = gp.ValueInfo.ToList();
        gp.Node.Clear(); gp.Initializer.Clear(); gp.Input.Clear(); gp.Output.Clear(); gp.ValueInfo.Clear();
        var g = new Graph(model, gp, parent, owner);

        foreach (var tp in initializers)
        {
            if (string.IsNullOrEmpty(tp.Name)) throw new BadInputException($"an initializer has no name{g.ScopeSuffix}");
            if (g.Find(tp.Name) is { } dup && dup.Owner == g)
                throw new BadInputException($"initializer '{tp.Name}' is defined twice{g.ScopeSuffix}");
            var v = g.Define(tp.Name);
            v.Initializer = Tensor.FromProto(tp, store, limits, "initializer", model.RawPayloads);
            g.LoadInitializer(v);
        }
        foreach (var vi in inputs)
        {
            if (string.IsNullOrEmpty(vi.Name)) throw new BadInputException($"a graph input has no name{g.ScopeSuffix}");
            var existing = g.Find(vi.Name) is { } found && found.Owner == g ? found : null;
            Value v2;
            if (existing is not null && existing.IsInitializer && !g.Inputs.Contains(existing)) v2 = existing;
            else v2 = g.Define(vi.Name);
            if (v2.Initializer is { } init && vi.Type?.TensorType is { HasElemType: true } declared
                && declared.ElemType != (int)init.ElementType)
                throw new BadInputException($"graph input '{vi.Name}' is declared {((ElementType)declared.ElemType).Name()} but its initializer holds {init.ElementType.Name()}{g.ScopeSuffix}");
            v2.Type = vi.Type;
            v2.DeclaredInfo = vi;
            g.LoadInput(v2);
        }

        // Two phases: define every output first, so inputs resolve whatever the file order is.
        var built = new List<Node>(nodes.Count);
        foreach (var np in nodes)
        {
            var node = new Node(g, np);
            model.ReserveNodeName(np.Name);
            foreach (var name in np.Output)
            {
                if (name.Length == 0) { node.AddOutput(null); continue; }
                if (g.Find(name) is { } clash && clash.Owner == g)
                    throw new BadInputException($"value '{name}' is defined twice (again as output of {node.Describe()}){g.ScopeSuffix}");
                node.AddOutput(g.Define(name));
            }
            built.Add(node);
        }
        for (int k = 0; k < built.Count; k++)
        {
            var node = built[k];
            var np = nodes[k];
            for (int i = 0; i < np.Input.Count; i++)
            {
                string name = np.Input[i];
                if (name.Length == 0) { node.SetInput(i, null); continue; }
                var v = g.Find(name) ?? throw new BadInputException($"{node.Describe()} reads '{name}', which nothing defines{g.ScopeSuffix}");
                node.SetInput(i, v);
            }
            g.LoadNode(node);
        }
        foreach (var node in built)
        {
            foreach (var a in node.Proto.Attribute)
            {
                if (a.G is not null) node.SetSubgraph(a.Name, BuildGraph(model, a.G, g, node, limits, store));
                for (int i = 0; i < a.Graphs.Count; i++)
                    node.SetSubgraph($"{a.Name}[{i}]", BuildGraph(model, a.Graphs[i], g, node, limits, store));
            }
            if (node.OpType == "Constant" && node.Domain == "")
            {
                if (node.Outputs.Count != 1 || node.Output(0) is null) throw new BadInputException($"{node.Describe()} must have one output");
                if (node.ConstantValue() is null && !node.HasAttribute("value_string") && !node.HasAttribute("value_strings")
                    && !node.HasAttribute("sparse_value"))
                    throw new BadInputException($"{node.Describe()} has no value attribute");
            }
        }

        foreach (var vi in valueInfo)
        {
            g.ValueInfo.Add(vi);
            if (g.Find(vi.Name) is { } v && v.Owner == g && v.Type is null) v.Type = vi.Type;
        }
        foreach (var vi in outputs)
        {
            if (string.IsNullOrEmpty(vi.Name)) throw new BadInputException($"a graph output has no name{g.ScopeSuffix}");
            var v = g.Find(vi.Name) ?? throw new BadInputException($"graph output '{vi.Name}' is not produced by any node{g.ScopeSuffix}");
            v.Type ??= vi.Type;
            v.OutputInfo = vi;
            g.LoadOutput(v);
        }
        return g;
    }

    private static void CheckOpsets(Model model)
    {
        foreach (var node in model.Graph.AllNodes())
        {
            if (model.OpsetFor(node.Domain) > 0) continue;
            if (node.Domain.Length > 0 && model.Shell.Functions.Any(f => f.Domain == node.Proto.Domain && f.Name == node.OpType)) continue;
            throw new BadInputException($"{node.Describe()} uses domain '{(node.Domain.Length == 0 ? "ai.onnx" : node.Domain)}', which the model does not import");
        }
    }

    private static void CheckFunctions(ModelProto proto)
    {
        // A model-local function may call others; a call cycle would recurse forever in any inliner.
        var byKey = new Dictionary<(string, string), FunctionProto>();
        foreach (var f in proto.Functions)
            if (!byKey.TryAdd((f.Domain, f.Name), f))
                throw new BadInputException($"model-local function '{f.Name}' (domain '{f.Domain}') is defined twice");
        var state = new Dictionary<(string, string), int>();
        foreach (var key in byKey.Keys) Visit(key, 0);

        void Visit((string, string) key, int depth)
        {
            if (state.TryGetValue(key, out int s))
            {
                if (s == 1) throw new BadInputException($"model-local function '{key.Item2}' calls itself (recursive functions are not allowed)");
                return;
            }
            if (depth > 64) throw new BadInputException("model-local functions nest too deeply");
            state[key] = 1;
            foreach (var n in byKey[key].Node)
                if (byKey.ContainsKey((n.Domain, n.OpType))) Visit((n.Domain, n.OpType), depth + 1);
            state[key] = 2;
        }
    }
}
