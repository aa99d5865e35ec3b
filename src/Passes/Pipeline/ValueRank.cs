using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The rank of a value when the model does not declare it: a few producers fix the rank of their output
/// (Flatten, Gemm), elementwise ops keep their input's. Enough for the folds that need a rank; null
/// means unknown, and callers refuse rather than guess.
/// </summary>
internal static class ValueRank
{
    private static readonly HashSet<string> RankPreserving = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus",
        "Identity", "Dropout", "BatchNormalization", "Neg", "Abs", "Exp", "Sqrt", "Cast", "PRelu", "Erf", "Gelu",
        "Mish", "Softmax", "LogSoftmax", "Conv", "ConvTranspose", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "LRN", "InstanceNormalization", "LayerNormalization",
        "GroupNormalization", "Reciprocal", "Floor", "Ceil", "Round", "Log", "Sin", "Cos", "Sign", "Not",
        "HardSwish", "Resize", "Upsample", "Pad", "Slice", "Tile", "CastLike", "DepthToSpace", "SpaceToDepth",
        "CumSum", "ThresholdedRelu", "Celu", "Softsign", "Shrink",
    };

    // Broadcasting ops: the largest rank among the inputs.
    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "PRelu", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod",
    };

    public static int? Of(Value? v) => Of(v, 0, new Dictionary<Value, int?>());

    // The memo matters: residual nets are DAGs, and following every input of every Add without it revisits
    // the same producers exponentially often.
    private static int? Of(Value? v, int depth, Dictionary<Value, int?> memo)
    {
        if (v is not null && memo.TryGetValue(v, out var known)) return known;
        int? rank = Compute(v, depth, memo);
        if (v is not null) memo[v] = rank;
        return rank;
    }

    private static int? Compute(Value? v, int depth, Dictionary<Value, int?> memo)
    {
        if (v is null || depth > 64) return null;
        if (v.Shape is { } shape) return shape.Length;
        if (v.Producer is not { } p || p.Domain != "") return null;
        switch (p.OpType)
        {
            case "Flatten":
            case "Gemm":
                return 2;
            case "Reshape":
                if (Graph.TryGetConstant(p.Input(1)) is { Rank: 1 } s) return (int)s.Dims[0];
                // Reshape(y, Shape(x)) gives y x's rank (GroupNorm's exported Reshape back).
                if (p.Input(1)?.Producer is { OpType: "Shape", Domain: "" } shapeOf && !shapeOf.HasAttribute("start") && !shapeOf.HasAttribute("end"))
                    return Of(shapeOf.Input(0), depth + 1, memo);
                return null;
            case "Conv" or "ConvTranspose" when Graph.TryGetConstant(p.Input(1)) is { Rank: >= 3 } w:
                // The output has the weight's rank whatever the input declares.
                return w.Rank;
            case "Shape":
                return 1;
            case "Transpose":
                return p.GetInts("perm") is { } perm ? perm.Length : Of(p.Input(0), depth + 1, memo);
            case "Concat":
                return p.Inputs.Select(i => Of(i, depth + 1, memo)).FirstOrDefault(r => r is not null);
            case "Split":
                return Of(p.Input(0), depth + 1, memo);
            case "Unsqueeze" or "Squeeze":
            {
                int? r = Of(p.Input(0), depth + 1, memo);
                long[]? axes = p.GetInts("axes") ?? Graph.TryGetConstant(p.Input(1))?.ToInt64s();
                if (r is null) return null;
                if (axes is null) return null;
                return p.OpType == "Unsqueeze" ? r + axes.Length : r - axes.Length;
            }
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL2" when p.GetInt("keepdims", 1) == 1:
                return Of(p.Input(0), depth + 1, memo);
            case "Expand":
            {
                int? a = Of(p.Input(0), depth + 1, memo);
                var target = Graph.TryGetConstant(p.Input(1));
                return a is null || target is not { Rank: 1 } ? null : Math.Max(a.Value, (int)target.Dims[0]);
            }
            case var op when Broadcasting.Contains(op):
            {
                // Broadcasting gives the largest rank.
                int? max = 0;
                foreach (var input in p.Inputs)
                {
                    if (input is null) continue;
                    int? r = Of(input, depth + 1, memo);
                    if (r is null) return null;
                    max = Math.Max(max.Value, r.Value);
                }
                return max;
            }
            case "MatMul":
            {
                int? a = Of(p.Input(0), depth + 1, memo), b = Of(p.Input(1), depth + 1, memo);
                if (a is null || b is null || a < 2 || b < 2) return null;
                return Math.Max(a.Value, b.Value);
            }
            default:
                return RankPreserving.Contains(p.OpType) && v.ProducerOutputIndex == 0 ? Of(p.Input(0), depth + 1, memo) : null;
        }
    }
}
