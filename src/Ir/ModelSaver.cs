using Google.Protobuf;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Writes the IR back to ONNX. Unchanged parts are written from the protos they were read from, so a
/// load/save round trip keeps unknown fields, doc strings and order; the same model gives the same bytes.
/// </summary>
public static class ModelSaver
{
    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically (never half-written), with external data as <paramref name="options"/> say.</summary>
    /// <exception cref="BadInputException">The target cannot be written or would overwrite the input.</exception>
    public static void Save(Model model, string path, SaveOptions? options = null) =>
        OutputPolicy.WriteAll(Plan(model, path, options), (options ?? SaveOptions.Default).Force);

    /// <summary>
    /// The files a save writes (external data first, then the model), checked and written by
    /// <see cref="OutputPolicy"/>; a command adds its side outputs so all are checked before any is written.
    /// </summary>
    public static IReadOnlyList<OutputFile> Plan(Model model, string path, SaveOptions? options = null)
    {
        options ??= SaveOptions.Default;
        string full = Path.GetFullPath(path);
        if (!options.Force && model.SourcePath is { } src && SamePath(src, full))
            throw new BadInputException($"{path}: is the input model; refusing to overwrite it (use --force)");

        string? dataFile = options.ExternalDataFile;
        if (dataFile is null && !options.Inline)
        {
            bool hasExternal = model.AllInitializers().Any(t => t.IsExternal);
            long inlineBytes = model.AllInitializers().Sum(t => t.ByteLength);
            if (hasExternal || inlineBytes > options.MaxInlineBytes) dataFile = Path.GetFileName(full) + ".data";
        }
        if (options.Inline && model.AllInitializers().Sum(t => t.ByteLength) > options.MaxInlineBytes)
            throw new BadInputException($"{path}: the weights exceed 2 GiB and cannot be inlined; use --external-data");

        if (dataFile is null)
        {
            var proto = ToProto(model, t => t.ToInlineProto());
            return new[] { new OutputFile(path, "the output model", s => proto.WriteTo(s)) };
        }

        string dir = Path.GetDirectoryName(full)!;
        string dataFull = Path.GetFullPath(Path.Combine(dir, dataFile));
        if (Path.GetDirectoryName(dataFull) != dir)
            throw new BadInputException($"{dataFile}: the external data file must be in the same folder as the model");
        if (dataFull == full) throw new BadInputException($"{dataFile}: the data file cannot be the model file");

        string location = Path.GetFileName(dataFull);
        var pending = new List<Tensor>();
        long offset = ExternalDataSeal.HeaderBytes;
        TensorProto Relocate(Tensor t)
        {
            if (t.ElementType == ElementType.String || t.ByteLength < options.ExternalThreshold) return t.ToInlineProto();
            offset = Align(offset, options.Alignment);
            var p = t.ToProto().Clone();
            p.ClearRawData();
            p.FloatData.Clear(); p.Int32Data.Clear(); p.Int64Data.Clear(); p.DoubleData.Clear(); p.Uint64Data.Clear();
            p.ExternalData.Clear();
            p.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            p.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            p.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = t.ByteLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            p.DataLocation = TensorProto.Types.DataLocation.External;
            pending.Add(t);
            offset += t.ByteLength;
            return p;
        }
        var modelProto = ToProto(model, Relocate);
        var seal = new ExternalDataSeal(location);
        return new[]
        {
            new OutputFile(dataFull, "the external data file", s =>
            {
                seal.WriteHeaderPlaceholder(s);
                long pos = ExternalDataSeal.HeaderBytes;
                Span<byte> zeros = stackalloc byte[256];
                zeros.Clear();
                foreach (var t in pending)
                {
                    long aligned = Align(pos, options.Alignment);
                    while (pos < aligned) { int n = (int)Math.Min(zeros.Length, aligned - pos); s.Write(zeros[..n]); seal.Add(zeros[..n]); pos += n; }
                    s.Write(t.Bytes.Span);
                    seal.Add(t.Bytes.Span);
                    pos += t.ByteLength;
                }
                seal.Finish(s);
            }, MustBeNew: true),
            // Runs after the data was written, so the seal (the data's hash) is known.
            new OutputFile(path, "the output model", s =>
            {
                var sealedProto = modelProto.Clone();
                sealedProto.MetadataProps.Add(seal.ToMetadata());
                sealedProto.WriteTo(s);
            }),
        };
    }

    /// <summary>Serializes the model to bytes with all data inline.</summary>
    public static byte[] ToBytes(Model model) => ToProto(model, t => t.ToInlineProto()).ToByteArray();

    private static long Align(long x, int a) => (x + a - 1) / a * a;

    private static bool SamePath(string a, string b)
    {
        if (string.Equals(Path.GetFullPath(a), b, StringComparison.Ordinal)) return true;
        var ra = LibC.RealPath(a);
        var rb = File.Exists(b) ? LibC.RealPath(b) : null;
        return ra is not null && ra == rb;
    }

    internal static ModelProto ToProto(Model model, Func<Tensor, TensorProto> writeTensor)
    {
        var m = model.Shell.Clone();
        m.Graph = GraphToProto(model.Graph, writeTensor);
        return m;
    }

    internal static GraphProto GraphToProto(Graph g, Func<Tensor, TensorProto> writeTensor)
    {
        var gp = g.Shell.Clone();
        foreach (var node in g.Nodes) gp.Node.Add(NodeToProto(node, writeTensor));
        foreach (var v in g.Initializers) gp.Initializer.Add(writeTensor(v.Initializer!));
        foreach (var v in g.Inputs) gp.Input.Add(Info(v.DeclaredInfo, v));
        foreach (var v in g.Outputs) gp.Output.Add(Info(v.OutputInfo ?? v.DeclaredInfo, v));
        foreach (var vi in g.ValueInfo)
        {
            // Drop entries for values a pass removed; keep the rest in file order.
            if (g.Find(vi.Name) is { } v && v.Owner == g && !v.IsGraphInput && !v.IsGraphOutput && !v.IsInitializer)
                gp.ValueInfo.Add(vi);
        }
        return gp;
    }

    private static ValueInfoProto Info(ValueInfoProto? declared, Value v)
    {
        if (declared is not null && declared.Name == v.Name) return declared;
        var vi = declared?.Clone() ?? new ValueInfoProto();
        vi.Name = v.Name;
        if (declared is null && v.Type is not null) vi.Type = v.Type;
        return vi;
    }

    private static NodeProto NodeToProto(Node node, Func<Tensor, TensorProto> writeTensor)
    {
        var src = node.Proto;
        bool sameIo = src.Input.Count == node.Inputs.Count && src.Output.Count == node.Outputs.Count;
        if (sameIo)
        {
            for (int i = 0; i < node.Inputs.Count && sameIo; i++) sameIo = src.Input[i] == (node.Inputs[i]?.Name ?? "");
            for (int i = 0; i < node.Outputs.Count && sameIo; i++) sameIo = src.Output[i] == (node.Outputs[i]?.Name ?? "");
        }
        if (sameIo && node.Subgraphs.Count == 0) return src;

        var np = src.Clone();
        np.Input.Clear();
        np.Input.AddRange(node.Inputs.Select(v => v?.Name ?? ""));
        np.Output.Clear();
        np.Output.AddRange(node.Outputs.Select(v => v?.Name ?? ""));
        foreach (var a in np.Attribute)
        {
            if (node.Subgraphs.TryGetValue(a.Name, out var sg)) a.G = GraphToProto(sg, writeTensor);
            for (int i = 0; i < a.Graphs.Count; i++)
                if (node.Subgraphs.TryGetValue($"{a.Name}[{i}]", out var sgi)) a.Graphs[i] = GraphToProto(sgi, writeTensor);
        }
        return np;
    }
}
