using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>Builds a node's operator once, when the plan is made.</summary>
internal delegate IOperator OperatorFactory(NodeInfo node);

/// <summary>How an operator treats memory: whether its outputs may share an input's buffer.</summary>
internal enum OperatorMemory
{
    Allocates,
    /// <summary>Outputs may be views of input 0 (Reshape, Squeeze, Identity...).</summary>
    AliasesInput,
}

/// <summary>One registered kernel: an op in a domain for an inclusive opset range.</summary>
internal sealed record KernelRegistration(string Domain, string OpType, int MinOpset, int MaxOpset, OperatorFactory Factory, OperatorMemory Memory);

/// <summary>
/// The explicit table of operators the native executor runs, keyed by (domain, op type, opset range).
/// No reflection: every op is added by a line in <see cref="Operators.BuiltinOperators"/>.
/// </summary>
internal sealed class KernelRegistry
{
    private readonly Dictionary<(string Domain, string Op), List<KernelRegistration>> _byOp = new();

    public void Add(string opType, int minOpset, int maxOpset, OperatorFactory factory, OperatorMemory memory = OperatorMemory.Allocates, string domain = "")
    {
        domain = Model.NormalizeDomain(domain);
        if (!_byOp.TryGetValue((domain, opType), out var list)) _byOp[(domain, opType)] = list = new();
        foreach (var r in list)
            if (r.MinOpset <= maxOpset && minOpset <= r.MaxOpset)
                throw new InvalidOperationException($"{opType}: opset ranges {r.MinOpset}-{r.MaxOpset} and {minOpset}-{maxOpset} overlap");
        list.Add(new KernelRegistration(domain, opType, minOpset, maxOpset, factory, memory));
    }

    public KernelRegistration? Find(string domain, string opType, long opset)
    {
        if (!_byOp.TryGetValue((Model.NormalizeDomain(domain), opType), out var list)) return null;
        foreach (var r in list) if (opset >= r.MinOpset && opset <= r.MaxOpset) return r;
        return null;
    }

    public bool Supports(string domain, string opType, long opset) => Find(domain, opType, opset) is not null;

    public IEnumerable<KernelRegistration> All => _byOp.Values.SelectMany(l => l);

    /// <summary>The registry with every built-in operator.</summary>
    public static KernelRegistry Builtin { get; } = Operators.BuiltinOperators.Create();
}
