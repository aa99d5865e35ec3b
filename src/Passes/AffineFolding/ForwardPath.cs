using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The layout ops a forward fold looks through between a per-channel affine and the linear ops that read it:
/// a Transpose moves the channel axis, a Flatten keeps it when it starts the flattened block and everything
/// after it has size 1 (when the affine has one value per channel, the reader's channel count checks that). ConvNeXt's channels-first LayerNorm (Transpose → LayerNormalization → Transpose → Conv)
/// and its head (… → Transpose → Flatten → Gemm) are the cases that need it. Each step must be the value's only
/// reader, so nothing else sees the affine disappear.
/// </summary>
internal sealed record ForwardPath(Value Target, int? Axis, IReadOnlyList<Node> Through)
{
    /// <summary>Follows <paramref name="y"/>, whose affine lies along <paramref name="axis"/> (null: one value for all), as far as it can.</summary>
    public static ForwardPath Follow(Value y, int? axis)
    {
        var through = new List<Node>();
        while (!y.IsGraphOutput && y.Uses.Count == 1 && y.Uses[0] is { Index: 0, Node: { Domain: "" } n } && n.Owner == y.Owner
               && n.OpType is "Transpose" or "Flatten" && Next(n, y, axis, out var next))
        {
            through.Add(n);
            y = n.Output(0)!;
            axis = next;
        }
        return new ForwardPath(y, axis, through);
    }

    /// <summary>" (through Transpose node 'a', Flatten node 'b')" or "".</summary>
    public string Describe() => Through.Count == 0 ? "" : $" (through {string.Join(", ", Through.Select(n => n.Describe()))})";

    private static bool Next(Node n, Value y, int? axis, out int? next)
    {
        next = null;
        if (axis is not { } a) return true;
        if (n.OpType == "Transpose")
        {
            var perm = n.GetInts("perm");
            if (perm is null)
            {
                // No perm reverses the axes.
                if (ValueRank.Of(y) is not { } r) return false;
                next = r - 1 - a;
                return true;
            }
            int at = Array.IndexOf(perm, (long)a);
            next = at;
            return at >= 0;
        }
        // Flatten at the channel axis: the output's axis 1 is C × (the dims after it). With the shape unknown,
        // the reader's input-channel count decides: a Gemm whose K equals C proves the dims after it are 1
        // (ForwardFoldConsumer refuses any other count).
        long k = n.GetInt("axis", 1);
        int? flattenedRank = y.Shape?.Length ?? ValueRank.Of(y);
        if (k < 0 && flattenedRank is { } fr) k += fr;
        if (y.Shape is { } shape && shape.Skip(a + 1).Any(d => d.Value != 1)) return false;
        next = 1;
        return k == a;
    }
}
