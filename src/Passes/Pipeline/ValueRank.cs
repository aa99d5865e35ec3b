using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>
/// The rank of a value when the model does not declare it: a few producers fix the rank of their output
/// (Flatten, Gemm), elementwise ops keep their input's. Enough for the folds that need a rank; null
/// means unknown, and callers refuse rather than guess.
/// </summary>
public static class ValueRank
{
    private static readonly HashSet<string> RankPreserving = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus",
        "Identity", "Dropout", "BatchNormalization", "Neg", "Abs", "Exp", "Sqrt", "Cast", "PRelu", "Erf", "Gelu",
        "Mish", "Softmax", "LogSoftmax", "Conv", "ConvTranspose", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "LRN", "InstanceNormalization",
    };

    public static int? Of(Value? v, int depth = 0)
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
                return OnnxNorm.Graph.Graph.TryGetConstant(p.Input(1)) is { Rank: 1 } s ? (int)s.Dims[0] : null;
            case "Add" or "Sub" or "Mul" or "Div":
            {
                // Broadcasting gives the larger rank.
                int? a = Of(p.Input(0), depth + 1), b = Of(p.Input(1), depth + 1);
                return a is null || b is null ? null : Math.Max(a.Value, b.Value);
            }
            case "MatMul":
            {
                int? a = Of(p.Input(0), depth + 1), b = Of(p.Input(1), depth + 1);
                if (a is null || b is null || a < 2 || b < 2) return null;
                return Math.Max(a.Value, b.Value);
            }
            default:
                return RankPreserving.Contains(p.OpType) && v.ProducerOutputIndex == 0 ? Of(p.Input(0), depth + 1) : null;
        }
    }
}
