using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The element type of a value when the model does not declare it: most ops output their first input's
/// type, so follow producers back to something declared. Undefined means unknown.
/// </summary>
internal static class ValueElementType
{
    private static readonly HashSet<string> SameAsFirstInput = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus",
        "Identity", "Dropout", "BatchNormalization", "Neg", "Abs", "Exp", "Sqrt", "PRelu", "Erf", "Gelu", "Mish",
        "Softmax", "LogSoftmax", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
        "GlobalMaxPool", "LRN", "InstanceNormalization", "Add", "Sub", "Mul", "Div", "MatMul", "Gemm",
        "Flatten", "Reshape", "Transpose", "Concat", "Resize", "Pad", "Squeeze", "Unsqueeze",
    };

    public static ElementType Of(Value? v, int depth = 0)
    {
        if (v is null || depth > 256) return ElementType.Undefined;
        if (v.ElementType != ElementType.Undefined) return v.ElementType;
        if (v.Producer is not { } p || p.Domain != "" || v.ProducerOutputIndex != 0) return ElementType.Undefined;
        if (p.OpType == "Cast") return (ElementType)p.GetInt("to", 0);
        return SameAsFirstInput.Contains(p.OpType) ? Of(p.Input(0), depth + 1) : ElementType.Undefined;
    }
}
