using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Finds a Concat along axis 1 whose output only an inference BatchNormalization with float32 constants reads (a
/// DenseNet layer's input: its block's features so far, then BN + Relu), so the plan runs both as one
/// <see cref="Operators.ConcatBatchNorm"/> step and never writes the concatenated tensor. Not when the Concat's
/// output is a graph output or watched.
/// </summary>
internal static class ConcatBatchNormFusion
{
    /// <summary>The BN, its four constants (scale, B, mean, var) and the per-channel a, b its kernel applies.</summary>
    public sealed record Match(Node BatchNorm, TensorValue[] Constants, double[] A, double[] B);

    /// <param name="concat">The Concat.</param>
    /// <param name="constantOf">A value's plan-time constant, else null.</param>
    /// <param name="fusable">Whether a node may be absorbed: same graph, standard domain, supported, its output not watched.</param>
    /// <param name="observer">The session's observer, if any.</param>
    public static Match? Find(Node concat, Func<Value, TensorValue?> constantOf, Func<Node, bool> fusable, IExecutionObserver? observer)
    {
        // A negative axis would need the rank, unknown when the plan is built.
        if (concat.GetInt("axis", 0) != 1 || concat.Outputs.Count != 1 || observer is { } obs && obs.Wants(concat, 0)) return null;
        if (FusionChain.SoleUse(concat, fusable) is not { OpType: "BatchNormalization" } bn || !ReferenceEquals(bn.Input(0), concat.Output(0))) return null;
        if (BatchNormMode.Of(bn).IsTraining || bn.GetInt("spatial", 1) != 1 || bn.Outputs.Count(o => o is { Name.Length: > 0 }) != 1) return null;
        float eps = bn.GetFloat("epsilon", 1e-5f);
        if (!(eps >= 0)) return null;
        var constants = new TensorValue[4];
        for (int i = 0; i < 4; i++)
        {
            if (bn.Input(i + 1) is not { Name.Length: > 0 } v || constantOf(v) is not { ElementType: ElementType.Float, Rank: 1 } c) return null;
            if (i > 0 && c.Length != constants[0].Length) return null;
            constants[i] = c;
        }
        var (a, b) = Operators.BatchNormalization.Fold(constants[0].AsSpan<float>(), constants[1].AsSpan<float>(), constants[2].AsSpan<float>(), constants[3].AsSpan<float>(), eps);
        return new Match(bn, constants, a, b);
    }
}
