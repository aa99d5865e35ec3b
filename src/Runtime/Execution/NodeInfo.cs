using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>What an operator factory knows about its node: attributes, opset and constant inputs.</summary>
internal sealed class NodeInfo
{
    private readonly Func<Value, TensorValue?> _constant;

    internal NodeInfo(Node node, Func<Value, TensorValue?> constant, PlanBuilder builder, Kernels.Activation fused)
    {
        Node = node;
        _constant = constant;
        Builder = builder;
        FusedActivation = fused;
    }

    public Node Node { get; }
    public long Opset => Node.Opset;
    internal PlanBuilder Builder { get; }

    /// <summary>Values of this or enclosing scopes that the node's subgraphs read; they follow the node's own inputs.</summary>
    public IReadOnlyList<Value> CapturedValues { get; init; } = Array.Empty<Value>();

    /// <summary>An activation the plan fused into this node (Conv, MatMul); None otherwise.</summary>
    public Kernels.Activation FusedActivation { get; }

    /// <summary>
    /// Whether the plan fused a residual Add after this Conv (<see cref="ResidualAddFusion"/>): its other operand comes
    /// as input <see cref="Operators.Conv.ResidualInput"/>, and <see cref="FusedActivation"/> follows the Add.
    /// </summary>
    public bool FusedResidual { get; init; }

    public string Describe() => Node.Describe();

    /// <summary>Constants the plan computed in place of the node's own inputs (a Conv's weights with a BN folded in).</summary>
    public IReadOnlyDictionary<int, TensorValue> ConstantOverrides { get; init; } = new Dictionary<int, TensorValue>();

    /// <summary>The same node with more plan-time constants in place of its inputs (existing overrides win).</summary>
    internal NodeInfo WithConstants(IReadOnlyDictionary<int, TensorValue> constants)
    {
        var merged = new Dictionary<int, TensorValue>(constants);
        foreach (var (i, c) in ConstantOverrides) merged[i] = c;
        return new NodeInfo(Node, _constant, Builder, FusedActivation) { CapturedValues = CapturedValues, ConstantOverrides = merged, FusedResidual = FusedResidual };
    }

    public bool HasInput(int i) => ConstantOverrides.ContainsKey(i) || Node.Input(i) is { } v && v.Name.Length > 0;

    /// <summary>Input i's value when it is a constant (initializer or Constant node), else null.</summary>
    public TensorValue? Constant(int i) =>
        ConstantOverrides.TryGetValue(i, out var c) ? c : Node.Input(i) is { } v && v.Name.Length > 0 ? _constant(v) : null;

    public long Int(string name, long fallback) => Node.GetInt(name, fallback);
    public float Float(string name, float fallback) => Node.GetFloat(name, fallback);
    public string String(string name, string fallback) => Node.GetString(name, fallback);
    public long[]? Ints(string name) => Node.GetInts(name);
    public float[]? Floats(string name) => Node.GetFloats(name);
    public bool Has(string name) => Node.HasAttribute(name);

    public BadInputException Error(string message) => new($"{Node.Describe()}: {message}");

    /// <summary>Rejects attributes this implementation does not know, so they never silently change the answer.</summary>
    public void OnlyAttributes(params string[] known)
    {
        foreach (var a in Node.Attributes)
            if (Array.IndexOf(known, a.Name) < 0)
                throw Error($"attribute '{a.Name}' is not supported by the native executor");
    }
}
