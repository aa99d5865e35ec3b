using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// The HTML report in a real browser: Playwright's .NET driver steering Debian's Chromium (./test.sh installs
/// it; no browser is downloaded). The page must load with no script error and no request beyond itself, and
/// show the flagged channels, their numbers, the verdicts, the small-batch result and the fix commands as the
/// JSON says. The run on the real model keeps screenshots under .cache/screenshots/ (ONNXNORM_UPDATE_DOCS=1 writes
/// them into docs/ for the README instead; a test run never dirties the checkout by default).
/// </summary>
public class HtmlReportBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static (string Model, string Data) Case(string which)
    {
        if (which == "paddle-cls") return SmallBatchTests.RealModelAndData;
        string dir = TestData.NewTempDir();
        string model = Path.Combine(dir, "planted.onnx");
        PlantedModels.Build(planted: true).Save(model);
        string data = Path.Combine(dir, "data");
        PlantedModels.WriteData(data, 6, 4);
        return (model, data);
    }

    // A real model's report (~25 s of check-stats and browser under load): the full suite; the fast loop renders
    // the planted model's report.
    [Trait("Category", "Slow")]
    [Fact]
    public Task The_report_of_a_real_model_renders_in_chromium_without_errors_and_shows_what_the_json_says() =>
        The_report_renders_in_chromium_without_errors_and_shows_what_the_json_says("paddle-cls");

    [Theory]
    [InlineData("planted")]
    public async Task The_report_renders_in_chromium_without_errors_and_shows_what_the_json_says(string which)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./test.sh installs Debian's chromium (apt-get install chromium)");
        var (sourceModel, sourceData) = Case(which);
        // Run from a folder holding the model and its data, with relative paths, as a user would: the fix
        // commands on the page (and in the README's screenshot) then read as they would for them.
        string dir = TestData.NewTempDir();
        string model = Path.GetFileName(sourceModel);
        File.Copy(sourceModel, Path.Combine(dir, model));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        foreach (var f in Directory.GetFiles(sourceData)) File.Copy(f, Path.Combine(dir, "data", Path.GetFileName(f)));
        string json = Path.Combine(dir, "report.json"), html = Path.Combine(dir, "report.html");
        var r = CliHarness.RunIn(dir, "check-stats", model, "--data", "data", "--batch-size", "4", "--json", "report.json", "--html", "report.html");
        Assert.True(r.ExitCode == 1, r.Stderr + r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run" },
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") errors.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => errors.Add($"page error: {e}");
        page.Request += (_, q) => requests.Add(q.Url);
        string url = new Uri(html).AbsoluteUri;
        await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });

        Assert.Empty(errors);
        Assert.Equal(new[] { url }, requests);   // self-contained: nothing fetched but the page itself
        Assert.True(await page.Locator("svg.chart").CountAsync() > 0);

        // What the page shows, read in one pass per table (each read is a round trip to the browser).
        var channelRows = (await page.Locator("tr.flagged-channel").EvaluateAllAsync<RowText[]>(Rows)).ToDictionary(x => (x.Layer, int.Parse(x.Channel, CultureInfo.InvariantCulture)));
        var ranking = (await page.Locator("#ranking tbody tr").EvaluateAllAsync<RowText[]>(Rows)).ToDictionary(x => x.Layer);
        var smallBatch = (await page.Locator("#small-batch-table tbody tr").EvaluateAllAsync<RowText[]>(Rows)).ToDictionary(x => x.Layer);
        int rowsChecked = 0;
        foreach (var layer in doc.RootElement.GetProperty("layers").EnumerateArray())
        {
            string node = layer.GetProperty("node").GetString()!;
            Assert.Equal(layer.GetProperty("rank").GetInt32().ToString(CultureInfo.InvariantCulture), ranking[node].First);
            Assert.Equal(VerdictLabel(layer.GetProperty("verdict").GetString()!), ranking[node].Fields["verdict"]);
            Assert.Equal(G4(layer.GetProperty("score").GetDouble()), ranking[node].Fields["score"]);
            var sb = layer.GetProperty("smallBatch");
            Assert.Equal(G4(sb.GetProperty("meanNoise").GetDouble()), smallBatch[node].Fields["meanNoise"]);
            Assert.Equal(G4(sb.GetProperty("varNoise").GetDouble()), smallBatch[node].Fields["varNoise"]);
            Assert.Equal(sb.GetProperty("flagged").GetBoolean() ? "flagged" : "ok", smallBatch[node].Fields["flagged"]);

            var flagged = layer.GetProperty("flaggedChannels").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
            var own = layer.GetProperty("ownFlaggedChannels").ValueKind == JsonValueKind.Array
                ? layer.GetProperty("ownFlaggedChannels").EnumerateArray().Select(e => e.GetInt32()).ToHashSet()
                : new HashSet<int>();
            // Exactly the channels flagged (as deployed or after upstream recalibration) have a row, visible
            // (the layer's section is open), with the JSON's numbers.
            Assert.Equal(flagged.Union(own).Order(), channelRows.Keys.Where(k => k.Item1 == node).Select(k => k.Item2).Order());
            foreach (int ch in flagged.Union(own))
            {
                var row = channelRows[(node, ch)];
                Assert.True(row.Visible, $"{node} channel {ch} is not visible");
                var c = layer.GetProperty("channels")[ch];
                foreach (var field in new[] { "dataMean", "dataVar", "runningMean", "runningVar", "meanShift", "varRatio", "kl" })
                    Assert.Equal(G4(c.GetProperty(field).GetDouble()), row.Fields[field]);
                Assert.Equal(flagged.Contains(ch) ? "yes" : "no", row.Fields["flagged"]);
                if (own.Count > 0 || c.GetProperty("ownDataVar").ValueKind == JsonValueKind.Number)
                {
                    Assert.Equal(G4(c.GetProperty("ownDataVar").GetDouble()), row.Fields["ownDataVar"]);
                    Assert.Equal(own.Contains(ch) ? "yes" : "no", row.Fields["ownFlagged"]);
                }
                rowsChecked++;
            }
        }
        Assert.True(rowsChecked > 0);

        var summary = doc.RootElement.GetProperty("smallBatch");
        string smallest = (await page.Locator("#smallest-batch").InnerTextAsync());
        Assert.Contains($"Smallest batch size at which no layer is flagged: {summary.GetProperty("smallestSafeBatchSize").GetInt32()}", smallest);
        var fixes = await page.Locator("pre.fix").AllInnerTextsAsync();
        Assert.Equal(doc.RootElement.GetProperty("fixCommands").EnumerateArray().Select(e => e.GetString()!), fixes.Select(f => f.Trim()));

        // Axis labels are plain numbers, never fractional exponents like "1e-0.1".
        foreach (var tick in await page.Locator("text.ytick, text.xtick").AllTextContentsAsync())
            Assert.Matches(@"^-?(\d+(\.\d+)?|\d+(\.\d+)?e-?\d+)$", tick);

        if (which == "paddle-cls")
        {
            string docs = Environment.GetEnvironmentVariable("ONNXNORM_UPDATE_DOCS") == "1"
                ? Path.Combine(TestData.RepoRoot, "docs") : Path.Combine(TestData.CacheDir, "screenshots");
            Directory.CreateDirectory(docs);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs, "check-stats-report.png") });
            var firstFlagged = page.Locator("details.layer[open]").First;
            await firstFlagged.ScrollIntoViewIfNeededAsync();
            await firstFlagged.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(docs, "check-stats-layer.png") });
        }
    }

    private const string Rows = @"rows => rows.map(r => ({
        layer: r.dataset.layer, channel: r.dataset.channel || '-1', first: r.cells[0].textContent.trim(),
        visible: r.getClientRects().length > 0,
        fields: Object.fromEntries([...r.querySelectorAll('td[data-field]')].map(td => [td.dataset.field, td.textContent.trim()]))
    }))";

    public sealed class RowText
    {
        public string Layer { get; set; } = "";
        public string Channel { get; set; } = "";
        public string First { get; set; } = "";
        public bool Visible { get; set; }
        public Dictionary<string, string> Fields { get; set; } = new();
    }

    // The words the page uses for each JSON verdict (the README documents both).
    private static string VerdictLabel(string id) => id switch
    {
        "wrongItself" => "wrong itself",
        "inheritsDrift" => "inherits drift",
        "flaggedNotAnalysed" => "flagged, not analysed",
        _ => "ok",
    };
}
