using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Execution;

/// <summary>Compiles a graph (and, through the If operator, its subgraphs) into an <see cref="ExecutionPlan"/>.</summary>
internal sealed partial class PlanBuilder
{
    private readonly KernelRegistry _registry;
    private readonly SessionOptions _options;
    private readonly Dictionary<Value, TensorValue> _constants = new();

    public PlanBuilder(KernelRegistry registry, SessionOptions options)
    {
        _registry = registry;
        _options = options;
    }

    public SessionOptions Options => _options;

    private TensorValue? ConstantOf(Value v)
    {
        if (_constants.TryGetValue(v, out var c)) return c;
        // PyTorch's exporter shares equal initializers through Identity nodes (MobileNetV3's squeeze-excitation
        // biases): the output is that same constant, so the Conv reading it packs its weights once, not per run.
        if (v.Producer is { OpType: "Identity", Domain: "" } identity && identity.Input(0) is { Name.Length: > 0 } source)
        {
            c = ConstantOf(source);
            if (c is not null) _constants[v] = c;
            return c;
        }
        var t = Graph.TryGetConstant(v);
        if (t is null) return null;
        if (t.IsExternal || t.ElementType != ElementType.String)
            if (t.ByteLength > _options.MaxTensorBytes)
                throw new BadInputException($"constant '{v.Name}' has {t.ByteLength:N0} bytes, more than the cap of {_options.MaxTensorBytes:N0} bytes per tensor");
        c = Widen(TensorValue.FromTensor(t));
        _constants[v] = c;
        return c;
    }

    private bool Reference => _options.Precision != ExecutionPrecision.Native;

    /// <summary>In the reference modes every floating-point constant is held as double (exactly: widening never rounds).</summary>
    private TensorValue Widen(TensorValue t)
    {
        if (!Reference || t.ElementType is not (ElementType.Float or ElementType.Float16 or ElementType.BFloat16)) return t;
        var d = TensorValue.Allocate(ElementType.Double, (long[])t.Shape.Clone());
        Operators.Cast.Convert(t, d);
        return d;
    }

    // The type the model declares for a value: its own declaration, else what its producer's inputs imply.
    private readonly Dictionary<Value, ElementType> _declared = new();

    private ElementType DeclaredType(Value v)
    {
        if (_declared.TryGetValue(v, out var t)) return t;
        t = v.ElementType;
        if (t == ElementType.Undefined && Graph.TryGetConstant(v) is { } c) t = c.ElementType;
        _declared[v] = t;
        return t;
    }

    private ElementType[] DeclareOutputs(Node node)
    {
        var result = new ElementType[node.Outputs.Count];
        ElementType implied = ElementType.Undefined;
        if (node.Domain == "" && node.OpType == "Cast") implied = (ElementType)node.GetInt("to", 0);
        else if (node.Domain == "" && node.OpType == "CastLike" && node.Input(1) is { } like) implied = DeclaredType(like);
        else
            foreach (var i in node.Inputs)
                if (i is { Name.Length: > 0 } && ReferencePrecisionStep.IsReal(DeclaredType(i))) { implied = DeclaredType(i); break; }
        for (int k = 0; k < result.Length; k++)
        {
            var o = node.Outputs[k];
            if (o is null) continue;
            var own = o.ElementType;
            result[k] = own != ElementType.Undefined ? own : implied;
            _declared[o] = result[k];
        }
        return result;
    }

    public ExecutionPlan Build(Graph graph)
    {
        var slots = new PlanSlots(graph, ConstantOf);
        var inputs = new List<(Value, int)>();
        foreach (var v in graph.Inputs)
        {
            if (v.IsInitializer && !v.IsOverridableInitializer) continue;
            inputs.Add((v, slots.NewConstant(v, v.Initializer is { } t ? Widen(TensorValue.FromTensor(t)) : null)));
        }

        var fusedInto = new HashSet<Node>(); // nodes another node's step runs (a Conv's BN, its activation, ...)
        var steps = new List<PlanStep>();
        foreach (var node in graph.TopologicalOrder())
        {
            if (fusedInto.Contains(node)) continue;
            if (TryHoldConstant(node, slots, out var observedConstant))
            {
                if (observedConstant is not null) steps.Add(observedConstant);
                continue;
            }
            steps.Add(Step(node, slots, fusedInto));
        }

        var outputs = graph.Outputs.Select(v => (v, slots.For(v))).ToArray();
        return new ExecutionPlan
        {
            Graph = graph,
            SlotCount = slots.Count,
            Steps = steps.ToArray(),
            Constants = slots.Constants,
            Inputs = inputs.ToArray(),
            Outputs = outputs,
            Captured = slots.Captured.ToArray(),
            OutputOwned = ComputeReleases(steps, slots.Count, slots.NotOwned, outputs.Select(o => o.Item2).ToHashSet(), outputs),
        };
    }

    // A Constant node is a slot filled at plan time, not a step; an observed one gets a no-op step so the observer
    // still sees its value. False when the node is not a constant the plan can hold.
    private bool TryHoldConstant(Node node, PlanSlots slots, out PlanStep? observedStep)
    {
        observedStep = null;
        if (node.OpType != "Constant" || node.Domain != "" || node.Output(0) is not { } cv || ConstantOf(cv) is not { } value) return false;
        // The slot is made by the first step that reads the value (PlanSlots.For): a Conv holding it as packed
        // weights reads none, so the plain copy is not kept for the plan's lifetime (PaddleOCR's weights are Constant nodes).
        if (_options.Observer is { } observer && observer.Wants(node, 0))
        {
            int slot = slots.NewConstant(cv, value);
            observedStep = new PlanStep { Node = node, Operator = Operators.NoOp.Instance, Inputs = Array.Empty<int>(), Outputs = new[] { slot }, Observed = new[] { (slot, node, 0) } };
        }
        return true;
    }

    private PlanStep Step(Node node, PlanSlots slots, HashSet<Node> fusedInto)
    {
        var reg = FindOperator(node);
        var fusion = PlanFusion(node);
        foreach (var n in fusion.Absorbed) fusedInto.Add(n);

        // Values a subgraph reads from this scope or above are extra inputs of the node.
        var extra = CapturedBySubgraphs(node);
        var info = new NodeInfo(node, ConstantOf, this, fusion.FusedActivation)
        {
            CapturedValues = extra,
            ConstantOverrides = fusion.FoldedConstants ?? (IReadOnlyDictionary<int, TensorValue>)new Dictionary<int, TensorValue>(),
            FusedResidual = fusion.Residual is not null,
        };
        var op = fusion.Replacement ?? CreateOperator(reg, info, node);
        var held = op as IHoldsConstantInputs;

        var inSlots = new List<int>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var v = node.Inputs[i];
            // A folded Conv's weight and bias are its own constants, and an operator holding a constant keeps it
            // in its own form: neither is a slot of the graph's.
            inSlots.Add(v is null || v.Name.Length == 0 || fusion.FoldedConstants?.ContainsKey(i) == true || held?.Holds(i) == true ? -1 : slots.For(v));
        }
        foreach (var v in extra) inSlots.Add(slots.For(v));
        if (fusion.Residual is { } residual)
        {
            while (inSlots.Count < Operators.Conv.ResidualInput) inSlots.Add(-1);
            inSlots.Add(slots.For(residual));
        }

        // A fused step's outputs are those of the last node it absorbed.
        var outNode = fusion.Output ?? node;
        var outSlots = new int[outNode.Outputs.Count];
        var observed = new List<(int, Node, int)>();
        for (int i = 0; i < outSlots.Length; i++)
        {
            var o = outNode.Outputs[i];
            outSlots[i] = o is null || o.Name.Length == 0 ? -1 : slots.New(o);
            if (outSlots[i] >= 0 && _options.Observer is { } observer && observer.Wants(outNode, i)) observed.Add((outSlots[i], outNode, i));
        }

        if (Reference) op = new ReferencePrecisionStep(op, node, _options.Precision, DeclareOutputs(node));
        return new PlanStep { Node = node, Operator = op, ProfileKey = fusion.ProfileKey ?? Execution.ProfileKey.For(node, ConstantOf), Inputs = inSlots.ToArray(), Outputs = outSlots, Observed = observed.ToArray(), Aliases = reg.Memory == OperatorMemory.AliasesInput };
    }

    private KernelRegistration FindOperator(Node node) =>
        _registry.Find(node.Domain, node.OpType, node.Opset)
        ?? throw new BadInputException(_registry.All.Any(r => r.Domain == node.Domain && r.OpType == node.OpType)
            ? $"{node.Describe()}: {node.OpType} of opset {node.Opset} is not supported by the native executor"
            : $"{node.Describe()}: operator {(node.Domain.Length > 0 ? node.Domain + "." : "")}{node.OpType} is not supported by the native executor");

    // Operator factories validate attributes; their argument errors are bad input naming the node.
    private static IOperator CreateOperator(KernelRegistration reg, NodeInfo info, Node node)
    {
        try { return reg.Factory(info); }
        catch (BadInputException) { throw; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException or IndexOutOfRangeException)
        {
            throw new BadInputException($"{node.Describe()}: {e.Message}", e);
        }
    }

    private static List<Value> CapturedBySubgraphs(Node node)
    {
        var list = new List<Value>();
        var seen = new HashSet<Value>();
        foreach (var sg in node.Subgraphs.Values)
            foreach (var v in sg.CapturedValues())
                if (seen.Add(v)) list.Add(v);
        return list;
    }

    // Union-find over slots: a view shares its input's buffer, so a buffer dies with the last use of its group.
    private static bool[] ComputeReleases(List<PlanStep> steps, int slotCount, HashSet<int> notOwned, HashSet<int> outputSlots, (Value, int)[] outputs)
    {
        var parent = new int[slotCount];
        for (int i = 0; i < slotCount; i++) parent[i] = i;
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        foreach (var s in steps)
            if (s.Aliases && s.Inputs.Length > 0 && s.Inputs[0] >= 0)
                foreach (int o in s.Outputs)
                    if (o >= 0) parent[Find(o)] = Find(s.Inputs[0]);

        var groupOwned = new bool[slotCount];
        var groupPinned = new bool[slotCount];
        var lastUse = new int[slotCount];
        Array.Fill(groupOwned, true);
        Array.Fill(lastUse, -1);
        foreach (int s in notOwned) groupOwned[Find(s)] = false;
        foreach (int s in outputSlots) groupPinned[Find(s)] = true;
        for (int i = 0; i < steps.Count; i++)
        {
            foreach (int s in steps[i].Inputs) if (s >= 0) lastUse[Find(s)] = Math.Max(lastUse[Find(s)], i);
            foreach (int s in steps[i].Outputs) if (s >= 0) lastUse[Find(s)] = Math.Max(lastUse[Find(s)], i);
        }
        var members = new Dictionary<int, List<int>>();
        for (int s = 0; s < slotCount; s++)
        {
            int g = Find(s);
            if (!members.TryGetValue(g, out var l)) members[g] = l = new();
            l.Add(s);
        }
        var release = new List<int>[steps.Count];
        var toPool = new List<int>[steps.Count];
        foreach (var (g, slots) in members)
        {
            if (groupPinned[g] || !groupOwned[g] || lastUse[g] < 0) continue;
            int at = lastUse[g];
            (release[at] ??= new()).AddRange(slots);
            (toPool[at] ??= new()).AddRange(slots);
        }
        for (int i = 0; i < steps.Count; i++)
        {
            steps[i].Release = release[i]?.ToArray() ?? Array.Empty<int>();
            steps[i].ReturnToPool = toPool[i]?.ToArray() ?? Array.Empty<int>();
        }
        return outputs.Select(o => groupOwned[Find(o.Item2)]).ToArray();
    }
}
