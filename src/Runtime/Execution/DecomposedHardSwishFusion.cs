using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;
using static OnnxNorm.Runtime.Execution.FusionChain;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Finds HardSwish written out as elementwise ops on a float32 value x: Add(x, 3) → Clip(0, 6) → Mul(x, ·) → Div(·, 6)
/// (PaddlePaddle; PP-OCRv4 det has 24), or with the Div before the Mul, optionally followed by a scalar Mul and a
/// scalar Add (PP-LCNet's learnable affine block). The constants must be exactly 3, +0, 6 and 6, each intermediate
/// read only by the next op, the Mul's other operand that same x. The plan runs the chain as one activation
/// (<see cref="DecomposedHardSwishOperator"/>, the ops' own arithmetic and bits): fused into the Conv that
/// produces x, or as one elementwise step.
/// </summary>
internal static class DecomposedHardSwishFusion
{
    /// <param name="add">The Add(x, 3) that would start the chain.</param>
    /// <param name="x">The value the chain applies to.</param>
    /// <param name="xRank">x's rank when known (a broadcast constant of higher rank would change the shape), else 0.</param>
    /// <param name="constantOf">A value's plan-time constant, else null.</param>
    /// <param name="fusable">Whether a node may be absorbed: same graph, standard domain, supported, its output not watched.</param>
    public static ActivationFusion.Match? Find(Node add, Value x, int xRank, Func<Value, TensorValue?> constantOf, Func<Node, bool> fusable)
    {
        float? Scalar(Value? v) => v is { Name.Length: > 0 } && constantOf(v) is { ElementType: ElementType.Float, Length: 1 } c
            && (c.Rank == 0 || c.Rank <= xRank) ? c.AsSpan<float>()[0] : null;

        if (add is not { OpType: "Add", Domain: "" } || !fusable(add) || Scalar(Other(add, x)) != 3f) return null;
        if (SoleUse(add, fusable) is not { OpType: "Clip" } clip || !ReferenceEquals(clip.Input(0), add.Output(0)) || !IsReluSix(clip, Scalar)) return null;
        var nodes = new List<Node> { add, clip };
        bool divideFirst;
        switch (SoleUse(clip, fusable))
        {
            case { OpType: "Mul" } mul when ReferenceEquals(Other(mul, clip.Output(0)!), x)
                && SoleUse(mul, fusable) is { OpType: "Div" } div && IsDivisionBySix(div, mul, Scalar):
                nodes.Add(mul);
                nodes.Add(div);
                divideFirst = false;
                break;
            case { OpType: "Div" } div when IsDivisionBySix(div, clip, Scalar)
                && SoleUse(div, fusable) is { OpType: "Mul" } mul && ReferenceEquals(Other(mul, div.Output(0)!), x):
                nodes.Add(div);
                nodes.Add(mul);
                divideFirst = true;
                break;
            default:
                return null;
        }
        float scale = 1f, shift = -0f;
        if (SoleUse(nodes[^1], fusable) is { OpType: "Mul" } sm && Scalar(Other(sm, nodes[^1].Output(0)!)) is { } s)
        {
            scale = s;
            nodes.Add(sm);
        }
        if (SoleUse(nodes[^1], fusable) is { OpType: "Add" } sa && Scalar(Other(sa, nodes[^1].Output(0)!)) is { } t)
        {
            shift = t;
            nodes.Add(sa);
        }
        return new ActivationFusion.Match(nodes.ToArray(), Activation.DecomposedHardSwish(divideFirst, scale, shift));
    }

    // Clip with min exactly +0 (−0 would turn x + 3 = +0 into −0) and max 6, as attributes (opset < 11) or inputs.
    private static bool IsReluSix(Node clip, Func<Value?, float?> scalar)
    {
        float? min, max;
        if (clip.Opset < 11) (min, max) = (clip.HasAttribute("min") ? clip.GetFloat("min", 0f) : null, clip.HasAttribute("max") ? clip.GetFloat("max", 0f) : null);
        else (min, max) = (scalar(clip.Input(1)), scalar(clip.Input(2)));
        return min is { } lo && BitConverter.SingleToInt32Bits(lo) == 0 && max == 6f;
    }

    private static bool IsDivisionBySix(Node div, Node before, Func<Value?, float?> scalar) =>
        div.Inputs.Count == 2 && ReferenceEquals(div.Input(0), before.Output(0)) && scalar(div.Input(1)) == 6f;
}
