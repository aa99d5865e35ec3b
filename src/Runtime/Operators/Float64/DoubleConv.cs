using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators.Float64;

/// <summary>
/// Conv and ConvTranspose in double: plain loops, every product and sum in double, in one fixed order (bias, then
/// input channels, then kernel taps). The float64 reference and double models run these; speed is secondary.
/// </summary>
internal static class DoubleConv
{
    public static void Forward(ConvGeometry g, ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> bias, Span<double> y, Activation act)
    {
        // Any rank as 3-D: leading spatial dims of size 1 change nothing.
        int[] inp = To3(g.InputSpatial, 1), outp = To3(g.OutputSpatial, 1), k = To3(g.Kernel, 1);
        int[] s = To3(g.Strides, 1), d = To3(g.Dilations, 1), p = To3(g.PadsBegin, 0);
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup;
        int inSize = g.InputSize, outSize = g.OutputSize, kSize = g.KernelSize;
        for (int n = 0; n < g.Batch; n++)
        for (int m = 0; m < g.OutChannels; m++)
        {
            var yPlane = y.Slice((n * g.OutChannels + m) * outSize, outSize);
            yPlane.Fill(bias.IsEmpty ? 0 : bias[m]);
            int grp = m / coutG;
            for (int c = 0; c < cinG; c++)
            {
                var xPlane = x.Slice((n * g.InChannels + grp * cinG + c) * inSize, inSize);
                int wBase = (m * cinG + c) * kSize;
                for (int k0 = 0; k0 < k[0]; k0++)
                for (int k1 = 0; k1 < k[1]; k1++)
                for (int k2 = 0; k2 < k[2]; k2++)
                {
                    double wv = w[wBase + (k0 * k[1] + k1) * k[2] + k2];
                    // Output columns whose input column lies inside the image.
                    int off2 = k2 * d[2] - p[2];
                    int lo = off2 >= 0 ? 0 : (-off2 + s[2] - 1) / s[2];
                    int hi = inp[2] - 1 - off2 < 0 ? -1 : Math.Min(outp[2] - 1, (inp[2] - 1 - off2) / s[2]);
                    if (lo > hi) continue;
                    for (int o0 = 0; o0 < outp[0]; o0++)
                    {
                        int i0 = o0 * s[0] - p[0] + k0 * d[0];
                        if (i0 < 0 || i0 >= inp[0]) continue;
                        for (int o1 = 0; o1 < outp[1]; o1++)
                        {
                            int i1 = o1 * s[1] - p[1] + k1 * d[1];
                            if (i1 < 0 || i1 >= inp[1]) continue;
                            var yRow = yPlane.Slice((o0 * outp[1] + o1) * outp[2], outp[2]);
                            var xRow = xPlane.Slice((i0 * inp[1] + i1) * inp[2], inp[2]);
                            for (int o2 = lo; o2 <= hi; o2++) yRow[o2] += wv * xRow[o2 * s[2] + off2];
                        }
                    }
                }
            }
            Activate(yPlane, act);
        }
    }

    /// <summary>
    /// ConvTranspose: every input element scatters x·w into the outputs it reaches. W is [C, M/group, kernel...];
    /// y must be zeroed; pads and output sizes are already resolved.
    /// </summary>
    public static void Transposed(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> bias, Span<double> y,
        int batch, int channels, int group, int coutG, int[] input, int[] output, int[] kernel, int[] strides, int[] dilations, int[] padsBegin)
    {
        int r = input.Length, cinG = channels / group, cout = coutG * group;
        int inSize = input.Aggregate(1, (a, b) => a * b), outSize = output.Aggregate(1, (a, b) => a * b), kSize = kernel.Aggregate(1, (a, b) => a * b);
        var inIdx = new int[r];
        var kIdx = new int[r];
        for (int n = 0; n < batch; n++)
        {
            if (!bias.IsEmpty)
                for (int oc = 0; oc < cout; oc++) y.Slice((n * cout + oc) * outSize, outSize).Fill(bias[oc]);
            for (int g = 0; g < group; g++)
            for (int ic = 0; ic < cinG; ic++)
            {
                int channel = g * cinG + ic;
                var xPlane = x.Slice((n * channels + channel) * inSize, inSize);
                for (int i = 0; i < inSize; i++)
                {
                    Unravel(i, input, inIdx);
                    double xv = xPlane[i];
                    for (int k = 0; k < kSize; k++)
                    {
                        Unravel(k, kernel, kIdx);
                        int off = 0;
                        bool inside = true;
                        for (int dd = 0; dd < r && inside; dd++)
                        {
                            int pos = inIdx[dd] * strides[dd] - padsBegin[dd] + kIdx[dd] * dilations[dd];
                            inside = pos >= 0 && pos < output[dd];
                            off = off * output[dd] + pos;
                        }
                        if (!inside) continue;
                        for (int oc = 0; oc < coutG; oc++)
                            y[(n * cout + g * coutG + oc) * outSize + off] += xv * w[(channel * coutG + oc) * kSize + k];
                    }
                }
            }
        }
    }

    public static void Activate(Span<double> v, Activation act)
    {
        switch (act.Kind)
        {
            // The float32 operators' rules, in double.
            case FusedActivation.Relu: for (int i = 0; i < v.Length; i++) v[i] = ReluOperator.Of(v[i]); break;
            case FusedActivation.Clip: for (int i = 0; i < v.Length; i++) v[i] = ClipOperator.Of(v[i], (double)act.Min, act.Max); break;
            case FusedActivation.LeakyRelu: for (int i = 0; i < v.Length; i++) v[i] = LeakyReluOperator.Of(v[i], (double)act.Alpha); break;
        }
    }

    private static int[] To3(int[] v, int fill)
    {
        var r = new int[3];
        Array.Fill(r, fill);
        Array.Copy(v, 0, r, 3 - v.Length, v.Length);
        return r;
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
