namespace OnnxNorm.Runtime.Kernels;

/// <summary>The obviously-correct N-d convolution: the oracle the fast kernels are tested against.</summary>
internal static class ReferenceConv
{
    public static void Run(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, Activation act)
    {
        int r = g.SpatialRank;
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup;
        int inSize = g.InputSize, outSize = g.OutputSize, kSize = g.KernelSize;
        var outIdx = new int[r];
        var kIdx = new int[r];
        for (int n = 0; n < g.Batch; n++)
        for (int m = 0; m < g.OutChannels; m++)
        {
            int grp = m / coutG;
            for (int o = 0; o < outSize; o++)
            {
                Unravel(o, g.OutputSpatial, outIdx);
                double acc = bias.IsEmpty ? 0 : bias[m];
                for (int c = 0; c < cinG; c++)
                {
                    int ic = grp * cinG + c;
                    for (int k = 0; k < kSize; k++)
                    {
                        Unravel(k, g.Kernel, kIdx);
                        int inOffset = 0;
                        bool inside = true;
                        for (int d = 0; d < r && inside; d++)
                        {
                            int pos = outIdx[d] * g.Strides[d] - g.PadsBegin[d] + kIdx[d] * g.Dilations[d];
                            if (pos < 0 || pos >= g.InputSpatial[d]) inside = false;
                            inOffset = inOffset * g.InputSpatial[d] + pos;
                        }
                        if (!inside) continue;
                        acc += (double)x[(n * g.InChannels + ic) * inSize + inOffset] * w[(m * cinG + c) * kSize + k];
                    }
                }
                y[(n * g.OutChannels + m) * outSize + o] = ActivationMath.Scalar((float)acc, act);
            }
        }
    }

    private static void Unravel(int index, int[] dims, int[] result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }
}
