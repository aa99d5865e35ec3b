using OnnxNorm.Workflows.Statistics;

namespace OnnxNorm.Stats.Tests;

public class RankingTests
{
    private static LayerStatistics Layer(string name, int ordinal, double score, double? own, bool flagged, bool root, bool inherited) =>
        new(name, ordinal, 1, 1e-5, 100, score, own, flagged, root, inherited, Array.Empty<ChannelMismatch>(), null);

    [Fact]
    public void Root_causes_come_first_then_other_flagged_layers_then_the_rest()
    {
        // The case: an ok layer (score 0.9) was ranked above a flagged layer that inherits drift
        // (score 1.5, own score 0.2) because the inherited layer was sorted by its own score.
        var layers = new[]
        {
            Layer("ok-high", 0, 0.9, 0.9, flagged: false, root: false, inherited: false),
            Layer("inherits", 1, 1.5, 0.2, flagged: true, root: false, inherited: true),
            Layer("root-weak", 2, 1.2, 1.1, flagged: true, root: true, inherited: false),
            Layer("root-strong", 3, 1.1, 4.0, flagged: true, root: true, inherited: false),
            Layer("inherits-worse", 4, 7.0, 0.5, flagged: true, root: false, inherited: true),
            Layer("ok-low", 5, 0.1, null, flagged: false, root: false, inherited: false),
        };
        Assert.Equal(new[] { "root-strong", "root-weak", "inherits-worse", "inherits", "ok-high", "ok-low" },
            StatsChecker.Rank(layers).Select(l => l.Node));
    }

    [Fact]
    public void Without_the_analysis_a_flagged_layer_is_not_analysed_and_ranks_above_ok_layers()
    {
        var notAnalysed = Layer("flagged", 0, 1.01, null, flagged: true, root: false, inherited: false);
        var ok = Layer("ok", 1, 0.99, null, flagged: false, root: false, inherited: false);
        Assert.Equal(LayerVerdict.FlaggedNotAnalysed, notAnalysed.Verdict);
        Assert.Equal("flagged, not analysed", notAnalysed.Verdict.Label());
        Assert.Equal(new[] { "flagged", "ok" }, StatsChecker.Rank(new[] { ok, notAnalysed }).Select(l => l.Node));
    }
}
