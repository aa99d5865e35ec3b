using OnnxNorm.Ir;

namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// Which axis of a value holds its channels, read from the node that computes it: a Conv or BatchNormalization
/// writes NCHW, channels on axis 1; a MatMul or Gemm (a linear layer, a transformer's projection) writes its output
/// features on the last axis ([N, T, C]), as does LayerNormalization. An elementwise node (a bias Add, an activation)
/// keeps the layout of its first computed input. Anything else: axis 1.
/// </summary>
public static class ChannelAxis
{
    /// <summary>The axis for channels on the last axis, counted from the end.</summary>
    public const int Last = -1;

    private static readonly HashSet<string> LastAxis = new(StringComparer.Ordinal) { "MatMul", "Gemm", "MatMulInteger", "LayerNormalization" };

    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
        "Tanh", "Gelu", "Erf", "Sqrt", "Neg", "Abs", "Exp", "Identity", "Cast", "Dropout", "Elu", "Selu", "Softplus", "Mish",
    };

    /// <summary>1, or <see cref="Last"/>, for the value the node <paramref name="producer"/> computes (1 when unknown).</summary>
    public static int Of(Node? producer)
    {
        // A chain of elementwise nodes is walked back to the layer that set the layout (bounded: graphs are acyclic).
        for (var n = producer; n is not null && n.Domain == ""; n = n.Inputs.FirstOrDefault(i => i?.Producer is not null)?.Producer)
        {
            if (LastAxis.Contains(n.OpType)) return Last;
            if (!Elementwise.Contains(n.OpType)) return 1;
        }
        return 1;
    }
}
