using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// ConvTranspose followed by BN. Here W is [Cin, Cout/group, k...] and the output channels sit on axis 1
/// per group: output channel oc = g·(Cout/group) + j is computed from W[g·(Cin/group) + i, j, ...] for every
/// i. So W[ci, j, ...] is scaled by s[(ci / (Cin/group))·(Cout/group) + j]. Scaling axis 1 alone, without
/// the group offset, is the bug PyTorch's fuser has for grouped ConvTranspose.
/// </summary>
internal static class FoldBatchNormIntoConvTranspose
{
    public static FoldPlan? TryPlan(Node bn, Node convT, IChannelAffine st, out FoldRefusal? refusal)
    {
        var w = FoldBatchNorm.RequireConstant(convT, 1, "weight", FoldRefusalCodes.WeightNotConstant, out refusal);
        if (w is null) return null;
        if (w.Rank is < 3 or > 5)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.UnsupportedWeightShape, DiagnosticSeverity.Info,
                $"the weight of {convT.Describe()} has rank {w.Rank}; 1-D to 3-D transposed convolutions fold");
        long group = convT.GetInt("group", 1);
        long cin = w.Dims[0], coutPerGroup = w.Dims[1];
        if (group < 1 || cin % group != 0)
            return FoldBatchNorm.Refuse<FoldPlan>(out refusal, FoldRefusalCodes.ShapeMismatch, DiagnosticSeverity.Warning,
                $"{convT.Describe()}: group={group} does not divide its {cin} input channels");
        long cout = coutPerGroup * group;
        if (st.Channels != cout) return FoldBatchNorm.ChannelMismatch(out refusal, convT, st.Channels, cout);
        var bias = FoldBatchNormIntoConv.ReadBias(convT, cout, out refusal);
        if (bias is null) return null;

        var wv = w.ToDoubles();
        long cinPerGroup = cin / group;
        long kernel = cin * coutPerGroup == 0 ? 0 : wv.Length / (cin * coutPerGroup);
        for (long i = 0; i < wv.Length; i++)
        {
            long ci = i / (coutPerGroup * kernel);
            long j = i / kernel % coutPerGroup;
            long oc = ci / cinPerGroup * coutPerGroup + j;
            wv[i] *= st.Scale[oc];
        }
        var newBias = new double[cout];
        for (int o = 0; o < cout; o++) newBias[o] = bias[o] * st.Scale[o] + st.Shift[o];
        return FoldBatchNormIntoConv.Plan(bn, convT, FoldBatchNorm.ConvTranspose, w, wv, newBias, out refusal);
    }
}
