using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

/// <summary>Console, JSON and HTML are three views of one report: the same numbers, labelled the same way.</summary>
public class ReportConsistencyTests
{
    // The reports' documented print format: four significant digits, invariant culture.
    private static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private sealed record Run(CliHarness.Outcome Outcome, JsonDocument Json, string Html);

    private static Run CheckStats(string model, string data, params string[] extra)
    {
        string dir = Path.GetDirectoryName(model)!;
        string json = Path.Combine(dir, $"r{Guid.NewGuid():N}.json"), html = Path.Combine(dir, $"r{Guid.NewGuid():N}.html");
        var args = new List<string> { "check-stats", model, "--data", data, "--json", json, "--html", html, "--top", "50" };
        args.AddRange(extra);
        var r = CliHarness.Run(args.ToArray());
        Assert.True(r.ExitCode == 1, r.Stderr + r.Stdout);
        return new Run(r, JsonDocument.Parse(File.ReadAllText(json)), File.ReadAllText(html));
    }

    private static (string Model, string Data) Planted()
    {
        string dir = TestData.NewTempDir();
        string model = Path.Combine(dir, "model.onnx");
        PlantedModels.Build(planted: true).Save(model);
        string data = Path.Combine(dir, "data");
        PlantedModels.WriteData(data, 6, 4);
        return (model, data);
    }

    /// <summary>The console lines of one channel of one layer: the running line, the raw-data line and the after-recalibration line.</summary>
    private static List<string> ConsoleChannel(string stdout, string layer, int channel)
    {
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int start = lines.FindIndex(l => l.StartsWith($"  {layer} (", StringComparison.Ordinal));
        Assert.True(start >= 0, $"no console section for {layer}:\n{stdout}");
        int row = lines.FindIndex(start + 1, l => Regex.IsMatch(l, $@"^    ch +{channel}  "));
        Assert.True(row > start, $"channel {channel} of {layer} is not on the console:\n{stdout}");
        return lines.Skip(row).Take(3).ToList();
    }

    private static Dictionary<string, string> HtmlRow(string html, string layer, int channel)
    {
        var m = Regex.Match(html, $"<tr class=\"flagged-channel\" data-layer=\"{Regex.Escape(WebUtility.HtmlEncode(layer))}\" data-channel=\"{channel}\">(.*?)</tr>");
        Assert.True(m.Success, $"channel {channel} of {layer} is not in the HTML table");
        return Regex.Matches(m.Groups[1].Value, "<td data-field=\"(\\w+)\"[^>]*>([^<]*)</td>").ToDictionary(c => c.Groups[1].Value, c => c.Groups[2].Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Console_json_and_html_show_the_same_numbers_for_every_flagged_channel(bool noRootCause)
    {
        var (model, data) = Planted();
        var run = noRootCause ? CheckStats(model, data, "--no-root-cause") : CheckStats(model, data);
        int checkedChannels = 0;
        foreach (var layer in run.Json.RootElement.GetProperty("layers").EnumerateArray())
        {
            string node = layer.GetProperty("node").GetString()!;
            var flagged = layer.GetProperty("flaggedChannels").EnumerateArray().Select(e => e.GetInt32());
            if (layer.GetProperty("ownFlaggedChannels").ValueKind == JsonValueKind.Array)
                flagged = flagged.Union(layer.GetProperty("ownFlaggedChannels").EnumerateArray().Select(e => e.GetInt32()));
            foreach (int ch in flagged.Order())
            {
                var c = layer.GetProperty("channels")[ch];
                var lines = ConsoleChannel(run.Outcome.Stdout, node, ch);
                var row = HtmlRow(run.Html, node, ch);
                // Each number is on the console line that names what it is, and in the HTML cell of the same field.
                Assert.Contains("running (stored)", lines[0]);
                Assert.Contains($"mean {G4(c.GetProperty("runningMean").GetDouble()),10}  var {G4(c.GetProperty("runningVar").GetDouble()),10}", lines[0]);
                Assert.Contains("raw data", lines[1]);
                Assert.Contains($"mean {G4(c.GetProperty("dataMean").GetDouble()),10}  var {G4(c.GetProperty("dataVar").GetDouble()),10}", lines[1]);
                Assert.Contains($"shift {G4(c.GetProperty("meanShift").GetDouble()),8}σ  ratio {G4(c.GetProperty("varRatio").GetDouble()),8}  KL {G4(c.GetProperty("kl").GetDouble()),8}", lines[1]);
                foreach (var field in new[] { "runningMean", "runningVar", "dataMean", "dataVar", "meanShift", "varRatio", "kl" })
                    Assert.Equal(G4(c.GetProperty(field).GetDouble()), row[field]);
                if (noRootCause)
                {
                    Assert.Equal(JsonValueKind.Null, c.GetProperty("ownDataVar").ValueKind);
                    Assert.False(row.ContainsKey("ownDataVar"));
                    Assert.DoesNotContain("after upstream recalibration", lines.Count > 2 ? lines[2] : "");
                }
                else
                {
                    Assert.Contains("after upstream recalibration", lines[2]);
                    Assert.Contains($"mean {G4(c.GetProperty("ownDataMean").GetDouble()),10}  var {G4(c.GetProperty("ownDataVar").GetDouble()),10}", lines[2]);
                    Assert.Contains($"shift {G4(c.GetProperty("ownMeanShift").GetDouble()),8}σ  ratio {G4(c.GetProperty("ownVarRatio").GetDouble()),8}", lines[2]);
                    foreach (var (field, json) in new[] { ("ownDataMean", "ownDataMean"), ("ownDataVar", "ownDataVar"), ("ownMeanShift", "ownMeanShift"), ("ownVarRatio", "ownVarRatio"), ("ownKl", "ownKl") })
                        Assert.Equal(G4(c.GetProperty(json).GetDouble()), row[field]);
                }
                checkedChannels++;
            }
        }
        // bn1: 1, 3; bn2: 1, 2, 3; bn3: its inherited channels.
        Assert.True(checkedChannels >= 5, $"only {checkedChannels} channels compared");
    }

    [Fact]
    public void Bn2_channel_2_reads_the_same_raw_and_recalibrated_variance_in_all_three_reports()
    {
        // The issue's case: a layer wrong in itself, whose raw statistics (bn1 still wrong upstream) differ from
        // those after upstream recalibration. Both are shown, each under its own label, with the same digits.
        var (model, data) = Planted();
        var run = CheckStats(model, data);
        var bn2 = run.Json.RootElement.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("node").GetString() == "bn2");
        var c = bn2.GetProperty("channels")[2];
        double raw = c.GetProperty("dataVar").GetDouble(), own = c.GetProperty("ownDataVar").GetDouble();
        var (_, trueVar2) = PlantedModels.TrueBn2Input();
        Assert.Equal(1.0, own / trueVar2[2], 3);   // after recalibration: the closed-form truth
        var lines = ConsoleChannel(run.Outcome.Stdout, "bn2", 2);
        Assert.Contains($"var {G4(raw),10}", lines[1]);
        Assert.Contains($"var {G4(own),10}", lines[2]);
        var row = HtmlRow(run.Html, "bn2", 2);
        Assert.Equal(G4(raw), row["dataVar"]);
        Assert.Equal(G4(own), row["ownDataVar"]);
    }

    [Fact]
    public void No_root_cause_says_not_analysed_and_never_wrong_itself()
    {
        var (model, data) = Planted();
        var run = CheckStats(model, data, "--no-root-cause");
        Assert.DoesNotContain("wrong itself", run.Outcome.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong itself", run.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("root causes not analysed", run.Outcome.Stdout);
        Assert.False(run.Json.RootElement.GetProperty("rootCauseAnalysed").GetBoolean());
        foreach (var l in run.Json.RootElement.GetProperty("layers").EnumerateArray())
        {
            Assert.Equal("flaggedNotAnalysed", l.GetProperty("verdict").GetString());
            Assert.False(l.GetProperty("rootCause").GetBoolean());
            Assert.False(l.GetProperty("inherited").GetBoolean());
            string node = l.GetProperty("node").GetString()!;
            Assert.Matches($"{node} .* flagged, not analysed", run.Outcome.Stdout);
            Assert.Matches($"data-layer=\"{node}\">.*?data-field=\"verdict\">flagged, not analysed<", run.Html);
        }
    }

    [Fact]
    public void Verdicts_and_ranking_agree_across_console_json_and_html()
    {
        var (model, data) = Planted();
        var run = CheckStats(model, data);
        var layers = run.Json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(new[] { "wrongItself", "wrongItself", "inheritsDrift" }, layers.Select(l => l.GetProperty("verdict").GetString()));
        var consoleRanking = run.Outcome.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^ +\d+  bn\d")).ToList();
        var htmlRanking = Regex.Matches(run.Html, "<tr data-layer=\"(bn\\d)\"><td>(\\d+)</td>.*?data-field=\"verdict\">([^<]*)<").ToList();
        Assert.Equal(3, consoleRanking.Count);
        Assert.Equal(3, htmlRanking.Count);
        var labels = new Dictionary<string, string> { ["wrongItself"] = "wrong itself", ["inheritsDrift"] = "inherits drift" };
        for (int i = 0; i < 3; i++)
        {
            string node = layers[i].GetProperty("node").GetString()!;
            string label = labels[layers[i].GetProperty("verdict").GetString()!];
            Assert.Matches($"^ +{i + 1}  {node} .*{label}$", consoleRanking[i].TrimEnd('\r'));
            Assert.Equal(node, htmlRanking[i].Groups[1].Value);
            Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), htmlRanking[i].Groups[2].Value);
            Assert.Equal(label, htmlRanking[i].Groups[3].Value);
            Assert.Contains($"<td data-field=\"score\">{G4(layers[i].GetProperty("score").GetDouble())}</td>", htmlRanking[i].Value);
        }
    }
}
