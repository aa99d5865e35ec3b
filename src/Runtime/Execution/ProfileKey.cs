using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// The name a step's time is profiled under: the op type, and for a Conv its class (depthwise, 1x1, k×k, 3-D,
/// stride), because a network's Conv time splits very unevenly between them.
/// </summary>
internal static class ProfileKey
{
    public static string For(Node node, Func<Value, TensorValue?> constantOf)
    {
        if (node.OpType != "Conv" || node.Domain != "" || node.Input(1) is not { Name.Length: > 0 } wv || constantOf(wv) is not { } w || w.Rank < 3)
            return node.OpType;
        long group = node.GetInt("group", 1);
        string kind = group > 1 && w.Shape[1] == 1 ? "depthwise" : group > 1 ? "grouped" : "dense";
        string kernel = string.Join('x', w.Shape.Skip(2));
        var strides = node.GetInts("strides");
        string stride = strides is { Length: > 0 } && strides.Any(s => s != 1) ? $" s{string.Join('x', strides)}" : "";
        return $"Conv {kind} {kernel}{stride}";
    }
}
