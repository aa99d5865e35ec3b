using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;
using static OnnxNorm.Runtime.Execution.FusionChain;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// What a float32 MatMul with constant 2-D weights absorbs at plan time: the bias Add after it (a Linear layer,
/// as PyTorch exports one on [N, H, W, C] or [N, T, C]) and the GELU chain after that
/// (Div by a constant, Erf, Add 1, Mul by the biased output, Mul 0.5). The GEMM adds the bias in its store and
/// applies GELU to each finished block of its output while it is in cache, instead of six passes over memory
/// (ConvNeXt-T: 18 such chains over up to 1.2M values each). Each step rounds as its node does, so the fused
/// step gives the unfused nodes' bits.
/// </summary>
internal static class MatMulEpilogueFusion
{
    /// <summary>The absorbed nodes, the one whose output the fused step writes, the bias and the activation.</summary>
    public sealed record Match(Node[] Absorbed, Node Output, TensorValue Bias, Activation Activation);

    /// <param name="matMul">The MatMul node.</param>
    /// <param name="constantOf">A value's plan-time constant, else null.</param>
    /// <param name="fusable">Whether a node may be absorbed: same graph, supported, its outputs not observed.</param>
    public static Match? Find(Node matMul, Func<Value, TensorValue?> constantOf, Func<Node, bool> fusable)
    {
        if (matMul.Input(1) is not { Name.Length: > 0 } w || constantOf(w) is not { ElementType: ElementType.Float, Rank: 2 } weights) return null;
        long n = weights.Shape[1];
        if (SoleUse(matMul, fusable) is not { OpType: "Add" } add || Other(add, matMul.Output(0)!) is not { } biasValue) return null;
        if (constantOf(biasValue) is not { ElementType: ElementType.Float, Rank: 1 } bias || bias.Shape[0] != n) return null;
        var absorbed = new List<Node> { add };
        var gelu = Gelu(add, constantOf, fusable);
        if (gelu is null) return new Match(absorbed.ToArray(), add, bias, Activation.None);
        absorbed.AddRange(gelu.Value.Nodes);
        return new Match(absorbed.ToArray(), gelu.Value.Nodes[^1], bias, new Activation(FusedActivation.Gelu, Alpha: gelu.Value.Divisor));
    }

    // z read by exactly Div(z, c) and Mul(z, a) (either order), Div -> Erf -> Add(., 1) -> that Mul -> Mul(., 0.5),
    // each intermediate read only by the next.
    private static (Node[] Nodes, float Divisor)? Gelu(Node add, Func<Value, TensorValue?> constantOf, Func<Node, bool> fusable)
    {
        var z = add.Output(0)!;
        if (z.IsGraphOutput || z.Uses.Count != 2) return null;
        var div = z.Uses.Select(u => u.Node).FirstOrDefault(x => x.OpType == "Div");
        var mul = z.Uses.Select(u => u.Node).FirstOrDefault(x => x.OpType == "Mul");
        if (div is null || mul is null || !fusable(div) || !fusable(mul) || !ReferenceEquals(div.Input(0), z)) return null;
        if (ScalarOf(div.Input(1), constantOf) is not { } divisor) return null;
        if (SoleUse(div, fusable) is not { OpType: "Erf" } erf || SoleUse(erf, fusable) is not { OpType: "Add" } plusOne) return null;
        if (ScalarOf(Other(plusOne, erf.Output(0)!), constantOf) != 1f) return null;
        if (SoleUse(plusOne, fusable) is not { } product || !ReferenceEquals(product, mul) || !ReferenceEquals(Other(mul, z), plusOne.Output(0))) return null;
        if (SoleUse(mul, fusable) is not { OpType: "Mul" } half || ScalarOf(Other(half, mul.Output(0)!), constantOf) != 0.5f) return null;
        return (new[] { div, erf, plusOne, mul, half }, divisor);
    }

    // A float32 constant of one value and rank 0 or 1 (so broadcasting it leaves the shape alone).
    private static float? ScalarOf(Value? v, Func<Value, TensorValue?> constantOf) =>
        v is { Name.Length: > 0 } && constantOf(v) is { ElementType: ElementType.Float, Rank: <= 1, Length: 1 } c ? c.AsSpan<float>()[0] : null;
}
