using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.TestModels;

namespace OnnxNorm.Stats.Tests;

public class RunningMomentsTests
{
    private static (double Mean, double PopVar) TwoPass(IReadOnlyList<double> xs)
    {
        double mean = 0;
        foreach (var x in xs) mean += x;
        mean /= xs.Count;
        double ss = 0;
        foreach (var x in xs) ss += (x - mean) * (x - mean);
        return (mean, ss / xs.Count);
    }

    [Fact]
    public void Welford_on_known_numbers_gives_the_textbook_values()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population variance 4, sample variance 32/7.
        var m = new RunningMoments();
        foreach (var x in new double[] { 2, 4, 4, 4, 5, 5, 7, 9 }) m.Add(x);
        Assert.Equal(8, m.Count);
        Assert.Equal(5.0, m.Mean, 12);
        Assert.Equal(4.0, m.PopulationVariance, 12);
        Assert.Equal(32.0 / 7.0, m.SampleVariance, 12);
    }

    [Fact]
    public void Chan_merge_of_any_split_equals_two_pass_on_all_numbers()
    {
        var rng = new DeterministicRandom(3);
        var xs = rng.Normals(1000, 3.0, 10.0);
        var (mean, popVar) = TwoPass(xs);
        foreach (int parts in new[] { 1, 2, 3, 7, 50, 1000 })
        {
            var total = new RunningMoments();
            int start = 0;
            for (int p = 0; p < parts; p++)
            {
                int end = (int)((long)xs.Length * (p + 1) / parts);
                var part = new RunningMoments();
                for (int i = start; i < end; i++) part.Add(xs[i]);
                total.Merge(part);
                start = end;
            }
            Assert.Equal(xs.Length, total.Count);
            Assert.Equal(mean, total.Mean, 10);
            Assert.Equal(popVar, total.PopulationVariance, 9);
        }
    }

    [Fact]
    public void Merge_stays_accurate_where_sum_of_squares_cancels()
    {
        // Values around 1e9 with variance 1: Σx² − n·mean² loses every digit in double; Chan does not.
        var parts = new[] { new double[] { 1e9 + 1, 1e9 - 1 }, new double[] { 1e9 + 1, 1e9 - 1, 1e9 + 1, 1e9 - 1 } };
        var total = new RunningMoments();
        foreach (var p in parts)
        {
            var m = new RunningMoments();
            foreach (var x in p) m.Add(x);
            total.Merge(m);
        }
        Assert.Equal(1e9, total.Mean, 6);
        Assert.Equal(1.0, total.PopulationVariance, 9);
    }

    [Fact]
    public void Channel_accumulator_over_batches_equals_two_pass_per_channel()
    {
        var rng = new DeterministicRandom(5);
        const int c = 3, h = 2, w = 5;
        var acc = new ChannelMomentsAccumulator(c);
        var all = Enumerable.Range(0, c).Select(_ => new List<double>()).ToArray();
        foreach (int n in new[] { 1, 4, 2 })
        {
            var data = new float[n * c * h * w];
            for (int i = 0; i < data.Length; i++)
            {
                int ch = i / (h * w) % c;
                data[i] = (float)(rng.Normal() * (ch + 1) + 10 * ch);
                all[ch].Add(data[i]);
            }
            acc.AddBatch(TensorValue.FromFloats(new long[] { n, c, h, w }, data), "test");
        }
        for (int ch = 0; ch < c; ch++)
        {
            var (mean, popVar) = TwoPass(all[ch]);
            Assert.Equal(all[ch].Count, acc[ch].Count);
            Assert.Equal(mean, acc[ch].Mean, 10);
            Assert.Equal(popVar, acc[ch].PopulationVariance, 10);
        }
    }

    [Fact]
    public void Mismatch_measures_match_their_formulas()
    {
        // Data N(2, 4), running N(0, 1), eps 0: shift 2, ratio 4, KL = ½(ln(1/4) + (4 + 4)/1 − 1).
        var m = ChannelMismatch.Compute(0, 2.0, 4.0, 0.0, 1.0, 0.0, MismatchThresholds.Default);
        Assert.Equal(2.0, m.MeanShift, 12);
        Assert.Equal(4.0, m.VarRatio, 12);
        Assert.Equal(0.5 * (Math.Log(0.25) + 8.0 - 1.0), m.Kl, 12);
        Assert.True(m.Flagged);
        var ok = ChannelMismatch.Compute(1, 0.5, 1.5, 0.0, 1.0, 0.0, MismatchThresholds.Default);
        Assert.False(ok.Flagged);
        Assert.False(ChannelMismatch.Compute(2, 0.0, 0.51, 0.0, 1.0, 0.0, MismatchThresholds.Default).Flagged);
        Assert.True(ChannelMismatch.Compute(3, 0.0, 0.49, 0.0, 1.0, 0.0, MismatchThresholds.Default).Flagged);
        Assert.True(ChannelMismatch.Compute(4, double.NaN, 1.0, 0.0, 1.0, 0.0, MismatchThresholds.Default).Flagged);
    }

    [Fact]
    public void Channel_accumulator_is_exact_for_data_far_from_zero()
    {
        // Mean 1e4, standard deviation 1: the float values themselves are the reference (two-pass in double).
        var rng = new DeterministicRandom(8);
        var data = rng.Normals(2 * 1 * 999, 1.0, 1e4).Select(v => (float)v).ToArray();
        var acc = new ChannelMomentsAccumulator(1);
        acc.AddBatch(TensorValue.FromFloats(new long[] { 2, 1, 999 }, data), "test");
        var (mean, popVar) = TwoPass(data.Select(v => (double)v).ToList());
        Assert.Equal(mean, acc[0].Mean, 9);
        Assert.Equal(1.0, acc[0].PopulationVariance / popVar, 9);
    }
}
