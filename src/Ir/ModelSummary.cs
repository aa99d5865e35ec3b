namespace OnnxNorm.Ir;

/// <summary>The facts `inspect` reports about a model, computed once and printable as text or JSON.</summary>
public sealed record ModelSummary(
    string File,
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string Producer,
    IReadOnlyList<ValueSummary> Inputs,
    IReadOnlyList<ValueSummary> Outputs,
    IReadOnlyDictionary<string, int> Ops,
    int NodeCount,
    long ParameterCount,
    long ParameterBytes,
    int ExternalTensors,
    int Subgraphs)
{
    /// <summary>What <c>inspect</c> reports about <paramref name="model"/>; <paramref name="file"/> names it.</summary>
    public static ModelSummary Of(Model model, string file)
    {
        var g = model.Graph;
        var ops = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int nodes = 0;
        foreach (var n in g.AllNodes())
        {
            nodes++;
            string key = n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}";
            ops[key] = ops.GetValueOrDefault(key) + 1;
        }
        long count = 0, bytes = 0;
        int external = 0;
        foreach (var t in ParameterTensors(model))
        {
            count += t.ElementCount;
            bytes += t.ByteLength;
            if (t.IsExternal) external++;
        }
        return new ModelSummary(
            file,
            model.IrVersion,
            model.OpsetImports.ToDictionary(o => o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o => o.Version),
            (model.ProducerName + " " + model.ProducerVersion).Trim(),
            g.Inputs.Where(v => !v.IsInitializer).Select(ValueSummary.Of).ToList(),
            g.Outputs.Select(ValueSummary.Of).ToList(),
            ops,
            nodes,
            count,
            bytes,
            external,
            g.AllGraphs().Count() - 1);
    }

    /// <summary>Initializers of every graph plus the tensors of Constant nodes (PaddleOCR keeps its weights there).</summary>
    public static IEnumerable<Tensor> ParameterTensors(Model model)
    {
        foreach (var t in model.AllInitializers()) yield return t;
        foreach (var n in model.Graph.AllNodes())
            if (n.OpType == "Constant" && n.Domain == "" && n.ConstantValue() is { } c) yield return c;
    }
}

/// <summary>A graph input or output as <c>inspect</c> shows it.</summary>
/// <param name="Name">The value's name.</param>
/// <param name="Type">Its element type name, or another kind ("sequence", ...).</param>
/// <param name="Shape">Its dims (numbers, names or "?"); null when the rank is unknown.</param>
public sealed record ValueSummary(string Name, string Type, IReadOnlyList<string>? Shape)
{
    /// <summary>The summary of <paramref name="v"/>.</summary>
    public static ValueSummary Of(Value v) =>
        new(v.Name, v.ElementType.Name(), v.Shape?.Select(d => d.ToString()).ToList());

    /// <summary>The name, type and shape on one line.</summary>
    public override string ToString() => $"{Name}: {Type}[{(Shape is null ? "?" : string.Join(", ", Shape))}]";
}
