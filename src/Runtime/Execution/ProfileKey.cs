using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// The name a step's time is profiled under: the op type, and for a Conv its class (depthwise, 1x1, k×k, 3-D,
/// stride), because a network's Conv time splits very unevenly between them. ORT's profile (OnnxNorm.Ort) classes its
/// Conv kernels with <see cref="Conv"/> too, so the two engines' rows line up.
/// </summary>
public static class ProfileKey
{
    internal static string For(Node node, Func<Value, TensorValue?> constantOf)
    {
        if (node.OpType != "Conv" || node.Domain != "" || node.Input(1) is not { Name.Length: > 0 } wv || constantOf(wv) is not { } w || w.Rank < 3)
            return node.OpType;
        return Conv(node.OpType, node.GetInt("group", 1), w.Shape, node.GetInts("strides"));
    }

    /// <summary>
    /// "<paramref name="opType"/> dense|depthwise|grouped KxK[ sSxS]", e.g. "Conv depthwise 5x5 s2x2", from the weight's
    /// shape [M, C/group, k...], the group count and the strides (null or all 1: no stride part).
    /// </summary>
    public static string Conv(string opType, long group, IReadOnlyList<long> weightShape, IReadOnlyList<long>? strides)
    {
        string kind = group > 1 && weightShape[1] == 1 ? "depthwise" : group > 1 ? "grouped" : "dense";
        string kernel = string.Join('x', weightShape.Skip(2));
        string stride = strides is { Count: > 0 } && strides.Any(s => s != 1) ? $" s{string.Join('x', strides)}" : "";
        return $"{opType} {kind} {kernel}{stride}";
    }
}
