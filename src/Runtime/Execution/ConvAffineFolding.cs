using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Session-build folding of the per-channel constant Mul and Add nodes that follow a Conv (or the BN already folded
/// into it) into the Conv's weight and bias: PaddleOCR's exports carry their BatchNormalizations as a Mul and an
/// Add of constants after each Conv (52 Adds and 28 Muls in PP-OCRv4 det), which the benchmark runs as shipped.
/// A chain y·s₁ + t₁ ... is composed in double into y·S + T per output channel, and W' = W·S, b' = b·S + T are
/// rounded once to float32, as <see cref="ConvBatchNormFolding"/> folds a BN: the result differs from the
/// unfolded ops by the rounding of each folded weight, not bit for bit. The model is not changed. Float32 only;
/// each constant must broadcast along the output channels alone (all its dims 1 except, at the channel axis,
/// the channel count) and must not add dims; each folded node's input must be read by that node alone and not be
/// watched by an observer.
/// </summary>
internal static class ConvAffineFolding
{
    /// <summary>The Mul/Add nodes folded, in order (the last one's output is the step's), and the new weight and bias.</summary>
    public sealed record Fold(Node[] Absorbed, Dictionary<int, TensorValue> Constants);

    /// <param name="conv">The Conv.</param>
    /// <param name="tail">The node whose output the Conv step writes so far: the Conv, or the BN folded into it.</param>
    /// <param name="folded">The weight (1) and bias (2) folded so far, or null for the Conv's own.</param>
    /// <param name="constantOf">A value's plan-time constant, else null.</param>
    /// <param name="fusable">Whether a node may be absorbed after <paramref name="tail"/>: same graph, its input not watched.</param>
    public static Fold? TryFold(Node conv, Node tail, IReadOnlyDictionary<int, TensorValue>? folded, Func<Value, TensorValue?> constantOf, Func<Node, Node, bool> fusable)
    {
        var w = folded?.GetValueOrDefault(1) ?? (conv.Input(1) is { Name.Length: > 0 } wv ? constantOf(wv) : null);
        if (w is not { ElementType: ElementType.Float, Rank: >= 3 }) return null;
        int channels = checked((int)w.Shape[0]);
        TensorValue? bias = folded?.GetValueOrDefault(2);
        if (bias is null && conv.Input(2) is { Name.Length: > 0 } bv && (bias = constantOf(bv)) is null) return null;
        if (bias is not null && (bias.ElementType != ElementType.Float || bias.Length != channels)) return null;

        var scale = new double[channels];
        var shift = new double[channels];
        Array.Fill(scale, 1.0);
        var absorbed = new List<Node>();
        var at = tail;
        while (Next(at, fusable) is { } next && PerChannel(next, at.Output(0)!, w.Rank, channels, constantOf) is { } c)
        {
            for (int o = 0; o < channels; o++)
            {
                double v = c[c.Length == 1 ? 0 : o];
                if (next.OpType == "Mul") { scale[o] *= v; shift[o] *= v; }
                else shift[o] += v;
            }
            absorbed.Add(next);
            at = next;
        }
        if (absorbed.Count == 0) return null;

        var src = w.AsSpan<float>();
        var weights = new float[src.Length];
        int slab = src.Length / channels;
        for (int o = 0; o < channels; o++)
            for (int i = o * slab; i < (o + 1) * slab; i++) weights[i] = (float)(src[i] * scale[o]);
        var newBias = new float[channels];
        var oldBias = bias is null ? ReadOnlySpan<float>.Empty : bias.AsSpan<float>();
        for (int o = 0; o < channels; o++) newBias[o] = (float)((oldBias.IsEmpty ? 0.0 : oldBias[o]) * scale[o] + shift[o]);
        return new Fold(absorbed.ToArray(), new Dictionary<int, TensorValue>
        {
            [1] = TensorValue.FromFloats((long[])w.Shape.Clone(), weights),
            [2] = TensorValue.FromFloats(new long[] { channels }, newBias),
        });
    }

    // The Mul or Add that alone reads the node's only output, when it may be absorbed.
    private static Node? Next(Node node, Func<Node, Node, bool> fusable)
    {
        if (node.Outputs.Count(o => o is { Name.Length: > 0 }) != 1 || node.Output(0) is not { } y || y.IsGraphOutput || y.Uses.Count != 1) return null;
        var use = y.Uses[0];
        var next = use.Node;
        if (next.Domain != "" || next.OpType is not ("Mul" or "Add") || next.Inputs.Count != 2 || next.Outputs.Count != 1) return null;
        return fusable(node, next) ? next : null;
    }

    // The other operand's values when it is a float32 constant that varies along the channel axis (1) of a rank-rank
    // output at most: one value, or one per channel.
    private static float[]? PerChannel(Node binary, Value y, int rank, int channels, Func<Value, TensorValue?> constantOf)
    {
        if (FusionChain.Other(binary, y) is not { Name.Length: > 0 } other || constantOf(other) is not { ElementType: ElementType.Float } c || c.Rank > rank) return null;
        for (int k = 0; k < c.Rank; k++)
        {
            long d = c.Shape[k];
            int axis = rank - c.Rank + k;
            if (d != 1 && !(axis == 1 && d == channels)) return null;
        }
        return c.AsSpan<float>().ToArray();
    }
}
