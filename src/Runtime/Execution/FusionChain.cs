using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>The graph walk the plan-time fusions share: chains of single-use nodes and the operands of binary ones.</summary>
internal static class FusionChain
{
    /// <summary>The node that alone reads this node's only output (not a graph output), when it may be absorbed.</summary>
    public static Node? SoleUse(Node node, Func<Node, bool> fusable)
    {
        if (node.Outputs.Count != 1 || node.Output(0) is not { } y || y.IsGraphOutput || y.Uses.Count != 1) return null;
        var next = y.Uses[0].Node;
        return next.Outputs.Count == 1 && fusable(next) ? next : null;
    }

    /// <summary>A binary node's operand other than v (null when v is not exactly one of its two inputs).</summary>
    public static Value? Other(Node binary, Value v)
    {
        if (binary.Inputs.Count != 2) return null;
        Value? a = binary.Input(0), b = binary.Input(1);
        if (ReferenceEquals(a, v) && !ReferenceEquals(b, v)) return b;
        if (ReferenceEquals(b, v) && !ReferenceEquals(a, v)) return a;
        return null;
    }
}
