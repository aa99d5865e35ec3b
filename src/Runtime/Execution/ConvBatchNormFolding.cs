using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Session-build folding of Conv → BatchNormalization (inference) into one Conv, as ORT does when it builds a
/// session: W' = W·a and B' = B·a + b per output channel, with a and b the constants the native
/// BatchNormalization kernel would apply (<see cref="Operators.BatchNormalization.Fold"/>). The model is not
/// changed; only the plan's Conv step gets the folded constants. Float32 only.
/// </summary>
internal static class ConvBatchNormFolding
{
    /// <summary>The BN folded into <paramref name="conv"/> and the Conv's new weight (input 1) and bias (input 2), or false.</summary>
    public static bool TryFold(Node conv, IExecutionObserver? observer, out Node bn, out Dictionary<int, TensorValue> constants)
    {
        bn = null!;
        constants = null!;
        var y = conv.Output(0);
        if (y is null || y.IsGraphOutput || y.Uses.Count != 1 || NamedOutputs(conv) != 1) return false;
        if (observer is not null && observer.Wants(conv, 0)) return false;
        var use = y.Uses[0];
        var n = use.Node;
        if (use.Index != 0 || !BatchNormMode.IsBatchNorm(n) || n.Owner != conv.Owner) return false;
        if (!IsInference(n) || n.GetInt("spatial", 1) != 1) return false;
        float eps = n.GetFloat("epsilon", 1e-5f);
        if (!(eps >= 0)) return false;

        var w = Float(conv.Input(1));
        if (w is null || w.Rank < 3) return false;
        int channels = checked((int)w.Dims[0]);
        var bias = conv.Input(2) is { Name.Length: > 0 } bv ? Float(bv) : null;
        if (conv.Input(2) is { Name.Length: > 0 } && (bias is null || bias.ElementCount != channels)) return false;
        var p = new Tensor?[4];
        for (int i = 0; i < 4; i++)
        {
            p[i] = Float(n.Input(i + 1));
            if (p[i] is not { Rank: 1 } t || t.ElementCount != channels) return false;
        }

        var (a, b) = Operators.BatchNormalization.Fold(p[0]!.AsSpan<float>(), p[1]!.AsSpan<float>(), p[2]!.AsSpan<float>(), p[3]!.AsSpan<float>(), eps);
        var src = w.AsSpan<float>();
        var folded = new float[src.Length];
        int slab = src.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            double s = a[c];
            for (int i = c * slab; i < (c + 1) * slab; i++) folded[i] = (float)(src[i] * s);
        }
        var newBias = new float[channels];
        var oldBias = bias is null ? ReadOnlySpan<float>.Empty : bias.AsSpan<float>();
        for (int c = 0; c < channels; c++) newBias[c] = (float)((oldBias.IsEmpty ? 0.0 : oldBias[c]) * a[c] + b[c]);
        // The plan keeps the folded copy only; weights mapped from the model file need not stay resident.
        w.DropResidentPages();
        bn = n;
        constants = new Dictionary<int, TensorValue>
        {
            [1] = TensorValue.FromFloats((long[])w.Dims.Clone(), folded),
            [2] = TensorValue.FromFloats(new long[] { channels }, newBias),
        };
        return true;
    }

    private static int NamedOutputs(Node n) => n.Outputs.Count(o => o is { Name.Length: > 0 });

    // The same mode rule as the BN operator and the folding passes; a fold also needs Y to be the only output.
    private static bool IsInference(Node bn) =>
        NamedOutputs(bn) == 1 && bn.Output(0) is { Name.Length: > 0 } && !BatchNormMode.Of(bn).IsTraining;

    private static Tensor? Float(Value? v) =>
        v is { Name.Length: > 0 } && Graph.TryGetConstant(v) is { ElementType: ElementType.Float } t ? t : null;
}
