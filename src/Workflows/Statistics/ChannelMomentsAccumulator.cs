using System.Numerics;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// Per-channel moments of a BatchNormalization input [N, C, spatial...], over N and every spatial dim, the
/// axes BN normalises over. Each contiguous (sample, channel) block is reduced in one SIMD pass in double,
/// and blocks and batches are merged into the running totals with Chan's formula, so memory stays O(C) however much data
/// streams through.
/// </summary>
public sealed class ChannelMomentsAccumulator
{
    private readonly RunningMoments[] _channels;
    // Per channel, each sample's own mean and population variance over the spatial dims, when asked for:
    // the small-batch analysis needs how samples differ, which the pooled moments do not keep.
    private readonly List<double>[]? _sampleMeans, _sampleVars;

    /// <summary>Moments for <paramref name="channels"/> channels; <paramref name="keepPerSample"/> also keeps each sample's own mean and variance.</summary>
    public ChannelMomentsAccumulator(int channels, bool keepPerSample = false)
    {
        _channels = new RunningMoments[channels];
        if (keepPerSample)
        {
            _sampleMeans = Enumerable.Range(0, channels).Select(_ => new List<double>()).ToArray();
            _sampleVars = Enumerable.Range(0, channels).Select(_ => new List<double>()).ToArray();
        }
    }

    /// <summary>Whether per-sample moments are kept (for the small-batch analysis).</summary>
    public bool KeepsPerSample => _sampleMeans is not null;

    /// <summary>Each sample's mean of <paramref name="channel"/> over the spatial dims (only with keepPerSample).</summary>
    public IReadOnlyList<double> SampleMeans(int channel) => _sampleMeans?[channel] ?? throw new InvalidOperationException("per-sample moments were not kept");

    /// <summary>Each sample's population variance of <paramref name="channel"/> over the spatial dims (only with keepPerSample).</summary>
    public IReadOnlyList<double> SampleVariances(int channel) => _sampleVars?[channel] ?? throw new InvalidOperationException("per-sample moments were not kept");

    /// <summary>The channel count.</summary>
    public int Channels => _channels.Length;

    /// <summary>The moments per channel.</summary>
    public IReadOnlyList<RunningMoments> Moments => _channels;

    /// <summary>The number of values seen per channel.</summary>
    public long Count => _channels.Length > 0 ? _channels[0].Count : 0;

    /// <summary>The moments of one channel.</summary>
    public RunningMoments this[int channel] => _channels[channel];

    /// <summary>Adds one batch. The tensor must be [N, C, ...] with C = <see cref="Channels"/>.</summary>
    public void AddBatch(TensorValue x, string label)
    {
        if (x.Rank < 2 || x.Shape[1] != _channels.Length)
            throw new OnnxNorm.Ir.BadInputException(
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
        if (inner == 0) return;
        for (int ch = 0; ch < c; ch++)
        {
            var batch = new RunningMoments();
            for (int b = 0; b < n; b++)
            {
                var block = BlockMoments(new ReadOnlySpan<float>(data, (b * c + ch) * inner, inner));
                Record(ch, block);
                batch.Merge(block);
            }
            _channels[ch].Merge(batch);
        }
    }

    /// <summary>
    /// Exact moments of one contiguous block in one SIMD pass, in double: sums of x−k and (x−k)² around
    /// k = the block's first value. k is a sample of the same distribution, so it lies within a few standard
    /// deviations of the mean and M2 = S2 − S1²/n loses no more than a few bits (the naive k = 0 would lose
    /// them all for data far from zero).
    /// </summary>
    private static RunningMoments BlockMoments(ReadOnlySpan<float> s)
    {
        double k = s[0];
        var vk = new Vector<double>(k);
        var s1a = Vector<double>.Zero; var s2a = Vector<double>.Zero;
        var s1b = Vector<double>.Zero; var s2b = Vector<double>.Zero;
        int i = 0, w = Vector<float>.Count;
        for (; i + w <= s.Length; i += w)
        {
            Vector.Widen(new Vector<float>(s.Slice(i, w)), out var lo, out var hi);
            lo -= vk; hi -= vk;
            s1a += lo; s2a += lo * lo;
            s1b += hi; s2b += hi * hi;
        }
        double s1 = Vector.Sum(s1a + s1b), s2 = Vector.Sum(s2a + s2b);
        for (; i < s.Length; i++) { double d = s[i] - k; s1 += d; s2 += d * d; }
        int n = s.Length;
        double m2 = Math.Max(0, s2 - s1 * s1 / n);
        return new RunningMoments(n, k + s1 / n, m2);
    }

    private void AddDoubles(double[] data, int n, int c, int inner)
    {
        if (inner == 0) return;
        for (int ch = 0; ch < c; ch++)
        {
            for (int b = 0; b < n; b++)
            {
                // Two passes per block: the block mean first, then squared deviations from it.
                var block = new ReadOnlySpan<double>(data, (b * c + ch) * inner, inner);
                double sum = 0;
                foreach (double v in block) sum += v;
                double mean = sum / inner, m2 = 0;
                foreach (double v in block) m2 += (v - mean) * (v - mean);
                var moments = new RunningMoments(inner, mean, m2);
                Record(ch, moments);
                _channels[ch].Merge(moments);
            }
        }
    }

    private void Record(int channel, in RunningMoments sample)
    {
        if (_sampleMeans is null) return;
        _sampleMeans[channel].Add(sample.Mean);
        _sampleVars![channel].Add(sample.PopulationVariance);
    }
}
