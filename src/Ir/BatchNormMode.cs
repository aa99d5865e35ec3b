namespace OnnxNorm.Ir;

/// <summary>
/// Whether a BatchNormalization node computes with its running statistics (inference) or with batch
/// statistics (training). The signal moved between opsets: BN-1/6 use is_test, BN-7..13 the number of
/// outputs, BN-14+ training_mode. A node whose running-statistics outputs are read is training too.
/// The one place this is decided: the folding passes, the executor (its BN kernel and its plan-time Conv+BN
/// fold) and the statistics code all ask it, so a model cannot be refused as training by one and run as
/// inference by another.
/// </summary>
public sealed record BatchNormMode(bool IsTraining, string Reason)
{
    /// <summary>Whether a node is an ONNX BatchNormalization (default domain); the one test every layer uses.</summary>
    public static bool IsBatchNorm(Node n) => n is { OpType: "BatchNormalization", Domain: "" };

    /// <summary>The mode of the BatchNormalization <paramref name="bn"/>, by its opset, attributes and outputs.</summary>
    public static BatchNormMode Of(Node bn)
    {
        long opset = bn.Opset;
        var extra = bn.Outputs.Skip(1).Where(o => o is not null).ToList();
        if (opset < 7)
        {
            if (bn.GetInt("is_test", 0) == 0) return new(true, $"is_test=0 (BN-{opset} default)");
        }
        else if (opset < 14)
        {
            if (extra.Count > 0) return new(true, $"{extra.Count + 1} outputs (BN-{opset} computes batch statistics when it has more than one)");
        }
        else if (bn.GetInt("training_mode", 0) != 0)
        {
            return new(true, "training_mode=1");
        }
        if (extra.Any(o => o!.Uses.Count > 0 || o.IsGraphOutput))
            return new(true, "its running-statistics outputs are used");
        return new(false, opset < 7 ? "is_test=1" : opset < 14 ? "single output" : "training_mode=0");
    }
}
