namespace OnnxNorm.Runtime.Statistics;

/// <summary>
/// Per-channel moments of a BatchNormalization input [N, C, spatial...], over N and every spatial dim, the
/// axes BN normalises over. Each batch is reduced exactly (two passes over each channel's block, in double)
/// and then merged into the running totals with Chan's formula, so memory stays O(C) however much data
/// streams through.
/// </summary>
public sealed class ChannelMomentsAccumulator
{
    private readonly RunningMoments[] _channels;

    public ChannelMomentsAccumulator(int channels) => _channels = new RunningMoments[channels];

    public int Channels => _channels.Length;

    public IReadOnlyList<RunningMoments> Moments => _channels;

    public long Count => _channels.Length > 0 ? _channels[0].Count : 0;

    public RunningMoments this[int channel] => _channels[channel];

    /// <summary>Adds one batch. The tensor must be [N, C, ...] with C = <see cref="Channels"/>.</summary>
    public void AddBatch(TensorValue x, string label)
    {
        if (x.Rank < 2 || x.Shape[1] != _channels.Length)
            throw new OnnxNorm.Graph.BadInputException(
                $"{label}: expected a tensor [N, {_channels.Length}, ...], got [{string.Join(',', x.Shape)}]");
        int n = checked((int)x.Shape[0]);
        int c = _channels.Length;
        int inner = 1;
        for (int d = 2; d < x.Rank; d++) inner = checked(inner * (int)x.Shape[d]);
        if (x.Buffer is float[] f) AddFloat(f, n, c, inner);
        else AddDoubles(x.ToDoubles(), n, c, inner);
    }

    private void AddFloat(float[] data, int n, int c, int inner)
    {
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
            {
                var block = new ReadOnlySpan<float>(data, (b * c + ch) * inner, inner);
                sum += SumOf(block);
            }
            long count = (long)n * inner;
            if (count == 0) continue;
            double mean = sum / count;
            double m2 = 0;
            for (int b = 0; b < n; b++)
            {
                var block = new ReadOnlySpan<float>(data, (b * c + ch) * inner, inner);
                m2 += SquaredDeviations(block, mean);
            }
            _channels[ch].Merge(new RunningMoments(count, mean, m2));
        }
    }

    private void AddDoubles(double[] data, int n, int c, int inner)
    {
        for (int ch = 0; ch < c; ch++)
        {
            long count = (long)n * inner;
            if (count == 0) continue;
            double sum = 0;
            for (int b = 0; b < n; b++)
                foreach (double v in new ReadOnlySpan<double>(data, (b * c + ch) * inner, inner)) sum += v;
            double mean = sum / count, m2 = 0;
            for (int b = 0; b < n; b++)
                foreach (double v in new ReadOnlySpan<double>(data, (b * c + ch) * inner, inner)) m2 += (v - mean) * (v - mean);
            _channels[ch].Merge(new RunningMoments(count, mean, m2));
        }
    }

    // Four independent double accumulators: the loop is bound by the float→double conversion, not by one
    // long dependency chain, which keeps the statistics pass cheap next to the convolutions.
    private static double SumOf(ReadOnlySpan<float> s)
    {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 4 <= s.Length; i += 4) { a0 += s[i]; a1 += s[i + 1]; a2 += s[i + 2]; a3 += s[i + 3]; }
        for (; i < s.Length; i++) a0 += s[i];
        return (a0 + a1) + (a2 + a3);
    }

    private static double SquaredDeviations(ReadOnlySpan<float> s, double mean)
    {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 4 <= s.Length; i += 4)
        {
            double d0 = s[i] - mean, d1 = s[i + 1] - mean, d2 = s[i + 2] - mean, d3 = s[i + 3] - mean;
            a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3;
        }
        for (; i < s.Length; i++) { double d = s[i] - mean; a0 += d * d; }
        return (a0 + a1) + (a2 + a3);
    }
}
