using System.Text.RegularExpressions;
using OnnxNorm.Workflows.Statistics.Html;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

public class HtmlChartTests
{
    [Theory]
    [InlineData(0.001, "0.001")]
    [InlineData(0.5, "0.5")]
    [InlineData(1, "1")]
    [InlineData(20, "20")]
    [InlineData(1e-5, "1e-5")]
    [InlineData(2e6, "2e6")]
    [InlineData(-0.25, "-0.25")]
    [InlineData(0, "0")]
    public void Tick_labels_are_plain_numbers(double value, string label) => Assert.Equal(label, AxisScale.Label(value));

    [Fact]
    public void A_log_axis_ticks_at_round_numbers_and_covers_its_values()
    {
        var axis = AxisScale.Log(new[] { 0.37, 0.5, 2.0, 3.1 });
        Assert.Equal(new[] { "0.1", "0.2", "0.5", "1", "2", "5", "10" }, axis.Ticks.Select(t => t.Label));
        Assert.True(axis.Lo <= 0.37 && axis.Hi >= 3.1);
    }

    [Fact]
    public void A_linear_axis_ticks_at_round_steps_and_channel_axes_at_whole_indices()
    {
        Assert.Equal(new[] { "-0.1", "-0.05", "0", "0.05", "0.1", "0.15" }, AxisScale.Linear(new[] { -0.077, 0.142 }).Ticks.Select(t => t.Label));
        Assert.Equal(new[] { "0", "10", "20", "30", "40", "50", "60" }, AxisScale.Indices(64).Ticks.Select(t => t.Label));
    }

    [Fact]
    public void A_channel_is_red_only_on_the_plot_of_the_measure_that_flags_it()
    {
        // bn1 of the planted model: only the mean is wrong (channels 1 and 3, 3σ and 2.5σ); its variances fit.
        string dir = TestData.NewTempDir();
        string model = Path.Combine(dir, "model.onnx");
        PlantedModels.Build(planted: true).Save(model);
        string data = Path.Combine(dir, "data");
        PlantedModels.WriteData(data, 2, 4);
        string html = Path.Combine(dir, "r.html");
        Assert.Equal(1, CliHarness.Run("check-stats", model, "--data", data, "--html", html).ExitCode);
        string text = File.ReadAllText(html);
        string bn1 = Regex.Match(text, "<details class=\"layer\" id=\"l0\".*?</details>").Value;
        var charts = Regex.Matches(bn1, "<svg.*?</svg>").Select(m => m.Value).ToList();
        Assert.Equal(4, charts.Count);
        int Red(string svg) => Regex.Matches(svg, "<g class=\"pt flagged\">").Count;
        Assert.Contains("mean shift per channel", charts[0]);
        Assert.Equal(4, Red(charts[0]));   // channels 1 and 3, raw data and after upstream recalibration (the same at level 1)
        Assert.Contains("variance ratio per channel", charts[1]);
        Assert.Equal(0, Red(charts[1]));
        Assert.Contains("mean per channel", charts[2]);
        Assert.Equal(4, Red(charts[2]));
        Assert.Contains("variance per channel", charts[3]);
        Assert.Equal(0, Red(charts[3]));
        // Channels are points: no polyline joins them.
        Assert.DoesNotContain("<polyline", text);
    }
}
