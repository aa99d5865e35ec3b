using System.Diagnostics;
using System.Text.Json;

namespace OnnxNorm.TestSupport;

/// <summary>
/// One export of the real-model corpus: a PyTorch export, its float32 input, torch's float64 output, and the
/// folder of calibration inputs its BN running statistics were computed on.
/// </summary>
public sealed record CorpusModel(
    string Name,
    string Variant,
    string Path,
    string InputName,
    string InputPath,
    int[] InputShape,
    string OutputName,
    string ReferencePath,
    int BatchNormCount,
    bool DynamicBatch,
    string CalibrationPath)
{
    /// <summary>"resnet18.eval": how tests and messages name an entry.</summary>
    public string Id => $"{Name}.{Variant}";

    public override string ToString() => Id;
}

/// <summary>
/// The real-model corpus (testmodels/corpus/export_corpus.py): torchvision and small nets exported by PyTorch's
/// own exporter in eval mode with BN kept ("eval"), without constant folding ("nofold"), and in training mode
/// ("training"). It is exported once per version of the script into .cache/corpus/ by
/// testmodels/corpus/build.sh, which ./test.sh runs first; a test process that finds it missing builds it
/// (the script takes a lock). Nothing skips: no PyTorch is a failure that says how to install it.
/// </summary>
public static class RealModelCorpus
{
    private static readonly Lazy<IReadOnlyList<CorpusModel>> Entries = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IReadOnlyList<CorpusModel> All => Entries.Value;

    public static CorpusModel Get(string name, string variant = "eval") =>
        All.FirstOrDefault(m => m.Name == name && m.Variant == variant)
        ?? throw new InvalidOperationException($"no corpus model {name}.{variant}");

    public static IEnumerable<CorpusModel> Variant(string variant) => All.Where(m => m.Variant == variant);

    /// <summary>Corpus ids for xunit's MemberData (one test case per model).</summary>
    public static IEnumerable<object[]> Ids(string? variant = null) =>
        All.Where(m => variant is null || m.Variant == variant).Select(m => new object[] { m.Id });

    public static CorpusModel ById(string id) =>
        All.FirstOrDefault(m => m.Id == id) ?? throw new InvalidOperationException($"no corpus model {id}");

    private static IReadOnlyList<CorpusModel> Load()
    {
        string dir = Build();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(dir, "manifest.json")));
        var list = new List<CorpusModel>();
        foreach (var e in doc.RootElement.GetProperty("models").EnumerateArray())
        {
            var input = e.GetProperty("inputs")[0];
            var output = e.GetProperty("outputs")[0];
            list.Add(new CorpusModel(
                e.GetProperty("name").GetString()!,
                e.GetProperty("variant").GetString()!,
                System.IO.Path.Combine(dir, e.GetProperty("file").GetString()!),
                input.GetProperty("name").GetString()!,
                System.IO.Path.Combine(dir, input.GetProperty("file").GetString()!),
                input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                output.GetProperty("name").GetString()!,
                System.IO.Path.Combine(dir, output.GetProperty("reference").GetString()!),
                e.GetProperty("batchNormCount").GetInt32(),
                e.GetProperty("dynamicBatch").GetBoolean(),
                System.IO.Path.Combine(dir, input.GetProperty("calibration").GetString()!)));
        }
        if (list.Count == 0) throw new InvalidOperationException($"the corpus manifest in {dir} lists no model");
        return list;
    }

    /// <summary>Runs testmodels/corpus/build.sh (a no-op when the corpus is already cached) and returns its folder.</summary>
    private static string Build()
    {
        string script = System.IO.Path.Combine(TestData.TestModelsDir, "corpus", "build.sh");
        var psi = new ProcessStartInfo("bash", new[] { script })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start bash");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"building the real-model corpus failed: {stderr.Result.Trim()}");
        string dir = stdout.Trim().Split('\n').Last();
        if (!Directory.Exists(dir)) throw new InvalidOperationException($"the corpus build printed no folder: {stdout}");
        return dir;
    }
}
