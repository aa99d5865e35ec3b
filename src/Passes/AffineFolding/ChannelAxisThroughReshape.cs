using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// Where a channel axis of a Reshape's or Flatten's output sits in its input. The channel axis survives when
/// its dim and the product of the dims after it are the same on both sides (then the product before it is
/// too): every element keeps its channel. The common case, and ORT's MatMul → Reshape → BN: the output
/// dims after the axis multiply to 1, so the channel axis is the input's last axis.
/// </summary>
internal static class ChannelAxisThroughReshape
{
    /// <summary>The input's channel axis (negative: from the end; null stays null), or a refusal.</summary>
    public static int? InputAxis(Node node, int? axis, out int? inputRank, out FoldRefusal? refusal)
    {
        refusal = null;
        var input = node.Input(0)!;
        inputRank = ValueRank.Of(input);
        // One value for all channels passes any reshape.
        if (axis is null) return null;
        long[]? outDims;
        if (node.OpType == "Flatten")
        {
            long k = node.GetInt("axis", 1);
            if (k < 0 && inputRank is { } r) k += r;
            if (inputRank is null || k < 0)
                return Refuse(out refusal, FoldRefusalCodes.UnknownRank, $"the rank of the input of {node.Describe()} on its path is unknown");
            int ax = axis.Value < 0 ? axis.Value + 2 : axis.Value;
            if (ax != 1 || k != inputRank - 1)
                return Refuse(out refusal, FoldRefusalCodes.ChannelAxisMoved, $"{node.Describe()} (axis {k} of rank {inputRank}) merges the channel axis with others");
            return -1;
        }
        var target = Graph.TryGetConstant(node.Input(1));
        if (target is null)
            return Refuse(out refusal, FoldRefusalCodes.ChannelAxisMoved, $"the shape of {node.Describe()} on its path is not a constant");
        outDims = target.ToInt64s();
        int a = axis.Value < 0 ? axis.Value + outDims.Length : axis.Value;
        if (a < 0 || a >= outDims.Length || outDims[a] <= 0 || outDims.Skip(a + 1).Any(d => d <= 0))
            return Refuse(out refusal, FoldRefusalCodes.ChannelAxisMoved,
                $"{node.Describe()} reshapes to [{string.Join(", ", outDims)}]; the channel axis {a} and the dims after it must be explicit");
        long channels = outDims[a], after = outDims.Skip(a + 1).Aggregate(1L, (x, y) => x * y);
        if (after == 1) return -1;
        if (input.Shape is { } shape && shape.All(d => d.Value is not null))
        {
            var dims = shape.Select(d => d.Value!.Value).ToArray();
            for (int b = 0; b < dims.Length; b++)
                if (dims[b] == channels && dims.Skip(b + 1).Aggregate(1L, (x, y) => x * y) == after) return b;
        }
        return Refuse(out refusal, FoldRefusalCodes.ChannelAxisMoved,
            $"{node.Describe()} reshapes to [{string.Join(", ", outDims)}] and its input's shape does not show the channel axis {a} surviving");
    }

    private static int? Refuse(out FoldRefusal? refusal, string code, string message)
    {
        refusal = new FoldRefusal(code, DiagnosticSeverity.Info, message);
        return null;
    }
}
