using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// Calibration data for the model inputs, as files: .npy (one batch), .pb TensorProto (one batch), .npz (one
/// batch per entry, in archive order) or a folder of those (sorted by name). Several inputs are given as
/// NAME=PATH and advance together, batch by batch. Batches are read lazily, one at a time, so memory does not
/// grow with the dataset.
/// </summary>
public sealed class CalibrationData
{
    private readonly List<(string Input, List<string> Files)> _sources;
    private readonly CalibrationDataValidator _validator;

    private CalibrationData(List<(string, List<string>)> sources, CalibrationDataValidator validator)
    {
        _sources = sources;
        _validator = validator;
    }

    /// <summary>The model inputs the data feeds.</summary>
    public IReadOnlyList<string> InputNames => _sources.Select(s => s.Input).ToList();

    /// <summary>Total number of files; the progress bar counts these.</summary>
    public int FileCount => _sources.Count == 0 ? 0 : _sources[0].Files.Count;

    /// <summary>
    /// Parses --data values. A value without NAME= goes to the model's only required input; folders are
    /// expanded to their .npy/.npz/.pb files sorted by name.
    /// </summary>
    public static CalibrationData Parse(IReadOnlyList<string> specs, IReadOnlyList<string> requiredInputs) =>
        Parse(specs, requiredInputs, new CalibrationDataValidator());

    /// <summary>Parses --data values for <paramref name="model"/>: every batch is checked against the model's input declarations.</summary>
    public static CalibrationData Parse(IReadOnlyList<string> specs, Model model) =>
        Parse(specs, model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToList(), CalibrationDataValidator.For(model));

    private static CalibrationData Parse(IReadOnlyList<string> specs, IReadOnlyList<string> requiredInputs, CalibrationDataValidator validator)
    {
        if (specs.Count == 0) throw new BadInputException("no calibration data: give --data FILE (or --data NAME=FILE per input)");
        var byInput = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var spec in specs)
        {
            string input, path;
            int eq = spec.IndexOf('=');
            if (eq > 0 && !File.Exists(spec) && !Directory.Exists(spec)) { input = spec[..eq]; path = spec[(eq + 1)..]; }
            else
            {
                if (requiredInputs.Count != 1)
                    throw new BadInputException($"--data {spec}: the model has {requiredInputs.Count} inputs ({string.Join(", ", requiredInputs)}); say which one as NAME=FILE");
                input = requiredInputs[0];
                path = spec;
            }
            if (!requiredInputs.Contains(input))
                throw new BadInputException($"--data {spec}: '{input}' is not an input of the model (inputs: {string.Join(", ", requiredInputs)})");
            if (!byInput.TryGetValue(input, out var files)) { byInput[input] = files = new List<string>(); order.Add(input); }
            var expanded = Expand(path).ToList();
            // Recorded now, so an output checked before the data pass already knows every data file.
            foreach (var f in expanded) RunFiles.Read(f, $"the --data file '{Path.GetFileName(f)}'");
            files.AddRange(expanded);
        }
        foreach (var name in requiredInputs)
            if (!byInput.ContainsKey(name)) throw new BadInputException($"no calibration data for model input '{name}' (give --data {name}=FILE)");
        var sources = order.Select(n => (n, byInput[n])).ToList();
        int count = sources[0].Item2.Count;
        foreach (var (n, files) in sources)
            if (files.Count != count)
                throw new BadInputException($"input '{n}' has {files.Count} data file(s) but '{sources[0].n}' has {count}; every input needs one file per batch");
        return new CalibrationData(sources, validator);
    }

    private static IEnumerable<string> Expand(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".npy" or ".npz" or ".pb")
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new BadInputException($"{path}: the folder holds no .npy, .npz or .pb files");
            return files;
        }
        if (!File.Exists(path)) throw new BadInputException($"{path}: file not found");
        if (Path.GetExtension(path).ToLowerInvariant() is not (".npy" or ".npz" or ".pb"))
            throw new BadInputException($"{path}: unknown data file type (use .npy, .npz, .pb or a folder of them)");
        return new[] { path };
    }

    /// <summary>The batches, one feed dictionary at a time; <paramref name="onFile"/> is told each time a file is finished.</summary>
    public IEnumerable<Dictionary<string, TensorValue>> Batches(Action<int>? onFile = null)
    {
        int files = FileCount;
        for (int f = 0; f < files; f++)
        {
            var perInput = _sources.Select(s => (s.Input, Batches: ReadFile(s.Files[f]).GetEnumerator())).ToList();
            var fileOf = _sources.ToDictionary(s => s.Input, s => s.Files[f], StringComparer.Ordinal);
            try
            {
                while (true)
                {
                    var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
                    int ended = 0;
                    foreach (var (input, e) in perInput)
                    {
                        if (!e.MoveNext()) { ended++; continue; }
                        var (entry, value) = e.Current;
                        _validator.Check(entry is null ? fileOf[input] : $"{fileOf[input]}, entry '{entry}'", input, value);
                        feeds[input] = value;
                    }
                    if (ended == perInput.Count) break;
                    if (ended > 0)
                        throw new BadInputException($"data file #{f + 1}: the inputs hold different numbers of batches ({string.Join(", ", perInput.Select(p => _sources.First(s => s.Input == p.Input).Files[f]))})");
                    yield return feeds;
                }
            }
            finally
            {
                foreach (var (_, e) in perInput) e.Dispose();
            }
            onFile?.Invoke(f + 1);
        }
    }

    /// <summary>The batches of one file, each with its .npz entry name (null for a one-batch file).</summary>
    private static IEnumerable<(string? Entry, TensorValue Value)> ReadFile(string path)
    {
        if (Path.GetExtension(path).Equals(".npz", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (name, v) in NpzReader.Read(path)) yield return (name, v);
        }
        else yield return (null, TensorFiles.Read(path));
    }
}
