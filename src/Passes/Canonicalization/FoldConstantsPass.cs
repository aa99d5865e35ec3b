using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `fold-constants`: a node of a deterministic standard op whose inputs are all constants is computed once
/// and replaced by an initializer of the same name. So a weight that reaches a Conv or MatMul through an
/// Identity, a Transpose or a Cast (PyTorch with do_constant_folding=False, deduplicated initializers) is a
/// plain constant by the time the folds look at it. `Shape` of a value whose declared shape is fully
/// static folds too. The values are computed by an <see cref="IConstantEvaluator"/> (the CLI gives it the
/// native executor); without one only Identity and Shape fold. Overridable initializers are not constants.
/// </summary>
public sealed class FoldConstantsPass(IConstantEvaluator? evaluator) : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "fold-constants";
    /// <summary>A node computed at optimisation time and replaced by its constant output.</summary>
    public const string FoldedCode = "constants-folded";
    /// <summary>No constant evaluator was given, so nothing was folded.</summary>
    public const string NoEvaluatorCode = "constant-folding-unavailable";

    /// <summary>A folded result may be as large as its inputs, or this, whichever is larger (Expand/Tile can blow up).</summary>
    public const long MinGrowthCapBytes = 1 << 20;

    // Deterministic, side-effect-free ops worth computing ahead of time. Random*, Dropout and control flow are out.
    private static readonly HashSet<string> Foldable = new(StringComparer.Ordinal)
    {
        "Identity", "Transpose", "Reshape", "Flatten", "Cast", "CastLike", "Squeeze", "Unsqueeze", "Concat", "Gather",
        "GatherElements", "Slice", "Split", "Expand", "Tile", "Shape", "Size", "ConstantOfShape", "Range",
        "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Sqrt", "Reciprocal", "Pow", "Exp", "Log", "Min", "Max", "Sum",
        "Mean", "Floor", "Ceil", "Round", "Sign", "Mod", "Clip", "Relu", "Sigmoid", "Tanh", "Erf", "MatMul", "Gemm",
        "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Not", "And", "Or", "Xor", "Where",
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "Trilu", "EyeLike",
    };

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Compute every constant-only node (Identity, Transpose, Reshape, Cast, arithmetic...) once, as an initializer.";

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        int needEvaluator = 0;
        var events = RewriteDriver.Sweep(model, session, new RewriteRule(node =>
        {
            if (node.Domain != "" || !Foldable.Contains(node.OpType) || node.Subgraphs.Count > 0) return null;
            if (node.Outputs.Count == 0 || node.Outputs.Any(o => o is not null && o.IsGraphOutput)) return null;
            var results = Evaluate(node, out bool wanted);
            if (results is null)
            {
                if (wanted && evaluator is null) needEvaluator++;
                return null;
            }
            return new RewritePatch(node, $"{node.Describe()} computed ahead of time", () => Replace(node.Owner, node, results));
        }));
        int folded = events.Count(e => e.Applied);
        var ops = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events) ops[e.Patch!.Node!.OpType] = ops.GetValueOrDefault(e.Patch.Node.OpType) + 1;
        var diagnostics = new List<Diagnostic>();
        if (folded > 0)
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, FoldedCode, null,
                $"computed {folded} constant-only node(s) ahead of time ({string.Join(", ", ops.Select(kv => $"{kv.Key} {kv.Value}"))})"));
        if (needEvaluator > 0)
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Info, NoEvaluatorCode, null,
                $"{needEvaluator} constant-only node(s) left: no evaluator was given to compute them"));
        return new PassResult(folded > 0, diagnostics);
    }

    /// <summary>The node's outputs if it can be computed now; <paramref name="wanted"/> says its inputs were all constant.</summary>
    private IReadOnlyList<Tensor>? Evaluate(Node node, out bool wanted)
    {
        wanted = false;
        if (node.OpType is "Shape" or "Size" && StaticShape(node.Input(0)) is { } dims)
        {
            wanted = true;
            return new[] { node.OpType == "Shape" ? ShapeOf(node, dims) : Tensor.FromInt64s("", Array.Empty<long>(), new[] { dims.Aggregate(1L, (a, d) => a * d) }) };
        }
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var v = node.Inputs[i];
            if (v is null) continue;
            inputs[i] = Graph.TryGetConstant(v);
            if (inputs[i] is null) return null;
        }
        if (inputs.All(t => t is null) && node.OpType is not ("ConstantOfShape" or "EyeLike")) return null;
        wanted = true;
        if (node.OpType == "Identity" && inputs[0] is { } same)
            return new[] { Tensor.FromBytes("", same.ElementType, (long[])same.Dims.Clone(), same.Bytes.ToArray()) };
        if (evaluator is null || inputs.Any(t => t is { ElementType: ElementType.String })) return null;
        var results = evaluator.TryEvaluate(node, inputs);
        if (results is null || results.Count != node.Outputs.Count(o => o is not null)) return null;
        long inputBytes = inputs.Sum(t => t?.ByteLength ?? 0);
        if (results.Any(r => r.ByteLength > Math.Max(inputBytes, MinGrowthCapBytes))) return null;
        return results;
    }

    private static long[]? StaticShape(Value? v)
    {
        if (v is null || v.IsInitializer || v.Shape is not { } shape) return null;
        if (shape.Any(d => d.Value is null or < 0)) return null;
        return shape.Select(d => d.Value!.Value).ToArray();
    }

    // Shape-15 takes a [start, end) slice of the dims, negative values counting from the end.
    private static Tensor ShapeOf(Node node, long[] dims)
    {
        long r = dims.Length;
        long Clamp(long x) => Math.Clamp(x < 0 ? x + r : x, 0, r);
        long start = Clamp(node.GetInt("start", 0)), end = Clamp(node.GetInt("end", r));
        var slice = dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        return Tensor.FromInt64s("", new long[] { slice.Length }, slice);
    }

    private static void Replace(Graph g, Node node, IReadOnlyList<Tensor> results)
    {
        var inputs = node.Inputs.ToList();
        var renames = new List<(Value Init, string Name)>();
        int k = 0;
        foreach (var o in node.Outputs)
        {
            if (o is null) continue;
            var init = GraphConstants.Add(g, o.Name + ".folded", results[k++]);
            g.ReplaceAllUses(o, init);
            renames.Add((init, o.Name));
        }
        g.RemoveNode(node);
        // The folded value keeps the name it had, so reports and value_info still point at it.
        foreach (var (init, name) in renames) g.Rename(init, name);
        foreach (var v in inputs.Distinct()) GraphConstants.ReleaseIfUnused(v);
    }
}
