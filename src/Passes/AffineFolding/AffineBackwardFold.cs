using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// The affine engine's backward rule: a per-channel y = x·s + t moves into the output channels of the linear
/// op that computes x, which is always exact (BN(W∗x + b) = (W·s)∗x + (b·s + t)). The walk from x back to
/// that op goes through
/// <list type="bullet">
/// <item>per-channel Add/Sub/Mul/Div by constants on the same axis (a bias Add, a layer scale, an earlier
/// affine), which are absorbed: s·(z·m + c) + t = z·(s·m) + (s·c + t);</item>
/// <item>Transpose, and Reshape/Flatten that keep the channel axis whole (ORT's MatMul → Reshape/Transpose → BN),
/// which stay and only move the axis.</item>
/// </list>
/// Every value on the path must be read only by the path and not be a graph output. Each stop is a coded
/// refusal naming the node.
/// </summary>
internal static class AffineBackwardFold
{
    private const int MaxPathLength = 64;

    /// <param name="source">The BN or elementwise node being folded away.</param>
    /// <param name="dataIndex">Which input of <paramref name="source"/> carries the data.</param>
    /// <param name="scale">s per channel (or one value for all).</param>
    /// <param name="shift">t per channel (or one value for all).</param>
    /// <param name="axis">The channel axis of the data: negative counts from the end, null means one value for all channels.</param>
    /// <param name="constantRank">The rank of the source's constant operand: the data must have at least this rank, or removing the source would change the output shape.</param>
    /// <param name="refusal">Why not, when the result is null.</param>
    public static AffineFoldPlan? TryPlan(Node source, int dataIndex, double[] scale, double[] shift, int? axis, int constantRank,
        out FoldRefusal? refusal)
    {
        var v = source.Input(dataIndex)!;
        int? rank = ValueRank.Of(v);
        if (constantRank > 1 && (rank is null || rank < constantRank))
            return Refuse(out refusal, FoldRefusalCodes.UnknownRank, DiagnosticSeverity.Info,
                $"the rank of its input '{v.Name}' is {(rank is null ? "unknown" : rank.ToString())}; its rank-{constantRank} constant could broadcast the output to a larger shape");
        var absorbed = new List<(Node, int)>();
        var path = new List<string>();
        double[] s = scale, t = shift;
        for (int step = 0; step < MaxPathLength; step++)
        {
            if (v.IsGraphOutput)
                return Refuse(out refusal, FoldRefusalCodes.ProducerOutputIsGraphOutput, DiagnosticSeverity.Info,
                    $"'{v.Name}' on its path is also a graph output, which must keep its unfolded value");
            if (v.Uses.Count != 1)
                return Refuse(out refusal, FoldRefusalCodes.ProducerHasOtherConsumers, DiagnosticSeverity.Info,
                    $"'{v.Name}' on its path is also read by {string.Join(", ", v.Uses.Select(u => u.Node).Where(n => n != source && !absorbed.Any(a => a.Item1 == n)).Select(n => n.Describe()).Distinct())}");
            if (v.Producer is not { } p)
                return Refuse(out refusal, FoldRefusalCodes.NoProducer, DiagnosticSeverity.Info,
                    $"'{v.Name}' is a graph input or initializer, not the output of a Conv/ConvTranspose/Gemm/MatMul");
            if (p.Owner != source.Owner)
                return Refuse(out refusal, FoldRefusalCodes.ProducerInOuterScope, DiagnosticSeverity.Info,
                    $"'{v.Name}' comes from {p.Describe()} in an enclosing graph");
            if (axis is { } a0 && a0 < 0 && rank is { } r0) axis = a0 + r0;
            if (p.Domain == "")
            {
                FoldRefusal? why = null;
                var e = ElementwiseAffine.IsCandidate(p) ? ElementwiseAffine.TryRead(p, out why) : null;
                switch (p.OpType)
                {
                    case "Conv" or "ConvTranspose" or "Gemm" or "MatMul":
                        return LinearTarget.TryPlan(source, dataIndex, absorbed, path, p, s, t, axis, rank, out refusal);
                    case "Add" or "Sub" or "Mul" or "Div" when e is not null:
                    {
                        if (!e.Constant.LiesAlong(axis, rank))
                            return Refuse(out refusal, FoldRefusalCodes.NotPerChannel, DiagnosticSeverity.Info,
                                $"{p.Describe()} on its path varies along another axis than the channel axis");
                        int? dataRank = ValueRank.Of(e.Data);
                        if (e.Constant.Rank > 1 && (dataRank is null || dataRank < e.Constant.Rank))
                            return Refuse(out refusal, FoldRefusalCodes.UnknownRank, DiagnosticSeverity.Info,
                                $"the rank of '{e.Data.Name}' (input of {p.Describe()}) is not known to be at least {e.Constant.Rank}");
                        // s·(z·m + c) + t = z·(s·m) + (s·c + t)
                        var s2 = Combine(s, e.Scale, (x, y) => x * y, out bool ok1);
                        var t2 = Combine(Combine(s, e.Shift, (x, y) => x * y, out bool ok2), t, (x, y) => x + y, out bool ok3);
                        if (!(ok1 && ok2 && ok3))
                            return Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                                $"{p.Describe()} on its path has {e.Constant.Values.Length} values per channel where the fold has {Math.Max(s.Length, t.Length)}");
                        s = s2; t = t2;
                        if (axis is null && e.Constant.AxisFromEnd is { } fromEnd) axis = rank is { } rr ? fromEnd + rr : fromEnd;
                        absorbed.Add((p, e.DataIndex));
                        path.Add(p.OpType);
                        v = e.Data;
                        continue;
                    }
                    case "Add" or "Sub" or "Mul" or "Div" when why is not null:
                        refusal = why with { Message = $"{p.Describe()} on its path: {why.Message}" };
                        return null;
                    case "Transpose":
                    {
                        var perm = p.GetInts("perm");
                        int? inRank = perm?.Length ?? rank ?? ValueRank.Of(p.Input(0));
                        if (inRank is null)
                            return Refuse(out refusal, FoldRefusalCodes.UnknownRank, DiagnosticSeverity.Info, $"the rank at {p.Describe()} on its path is unknown");
                        perm ??= Enumerable.Range(0, inRank.Value).Reverse().Select(i => (long)i).ToArray();
                        if (axis is { } ax)
                        {
                            if (ax < 0) ax += inRank.Value;
                            if (ax < 0 || ax >= perm.Length)
                                return Refuse(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning, $"{p.Describe()} has no axis {ax}");
                            axis = (int)perm[ax];
                        }
                        rank = inRank;
                        path.Add(p.OpType);
                        v = p.Input(0)!;
                        continue;
                    }
                    case "Reshape" or "Flatten":
                    {
                        var next = ChannelAxisThroughReshape.InputAxis(p, axis, out var inRank, out refusal);
                        if (refusal is not null) return null;
                        axis = next;
                        rank = inRank;
                        path.Add(p.OpType);
                        v = p.Input(0)!;
                        continue;
                    }
                }
            }
            return Refuse(out refusal, FoldRefusalCodes.UnsupportedProducer, DiagnosticSeverity.Info,
                $"'{v.Name}' comes from {p.Describe()}; the fold goes back into Conv, ConvTranspose, Gemm and MatMul (through per-channel Add/Sub/Mul/Div, Transpose, Reshape and Flatten)");
        }
        return Refuse(out refusal, FoldRefusalCodes.UnsupportedProducer, DiagnosticSeverity.Info, $"its path is longer than {MaxPathLength} nodes");
    }

    /// <summary>Elementwise combination of two per-channel arrays, each of length 1 (all channels) or C.</summary>
    internal static double[] Combine(double[] a, double[] b, Func<double, double, double> f, out bool ok)
    {
        ok = a.Length == b.Length || a.Length == 1 || b.Length == 1;
        if (!ok) return a;
        int n = Math.Max(a.Length, b.Length);
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = f(a[a.Length == 1 ? 0 : i], b[b.Length == 1 ? 0 : i]);
        return r;
    }

    internal static AffineFoldPlan? Refuse(out FoldRefusal? refusal, string code, DiagnosticSeverity severity, string message)
    {
        refusal = new FoldRefusal(code, severity, message);
        return null;
    }
}
