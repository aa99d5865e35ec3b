using System.CommandLine;
using System.Text.RegularExpressions;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;

namespace OnnxNorm.Cli;

/// <summary>
/// The options that say what a model is fed, shared by <c>run</c> and <c>compare</c>: explicit tensors
/// (<c>--input NAME=FILE</c>, <c>--input-dir DIR</c>), else seeded random data (<c>--seed</c>, <c>--shape</c>).
/// </summary>
public sealed partial class InputOptions
{
    public Option<string[]> Input { get; } = new("--input", "-i")
    {
        Description = "NAME=FILE: feed input NAME from a .npy or .pb (TensorProto) file. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> InputDir { get; } = new("--input-dir")
    {
        Description = "Folder with input_0.pb, input_1.pb, ... (ONNX backend-test layout), matched to the model's inputs in order.",
    };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for random inputs (default 0).", DefaultValueFactory = _ => 0UL };

    public Option<string[]> Shape { get; } = new("--shape")
    {
        Description = "NAME=1x3x224x224: shape of a random input, or DIMNAME=N for a symbolic dim. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string> Distribution { get; } = new("--distribution")
    {
        Description = "Random floats: normal (N(0,1), default) or uniform ([0,1)).",
        DefaultValueFactory = _ => "normal",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Distribution);
        command.Options.Add(Input);
        command.Options.Add(InputDir);
        command.Options.Add(Seed);
        command.Options.Add(Shape);
    }

    public FloatDistribution FloatDistribution(ParseResult pr) => pr.GetValue(Distribution)!.ToLowerInvariant() switch
    {
        "normal" => Runtime.Data.FloatDistribution.Normal,
        "uniform" => Runtime.Data.FloatDistribution.Uniform,
        var other => throw new BadInputException($"--distribution {other}: use normal or uniform"),
    };

    public ShapeOverrides Shapes(ParseResult pr) => ShapeOverrides.Parse(pr.GetValue(Shape) ?? Array.Empty<string>());

    /// <summary>The tensors given explicitly, by input name. <paramref name="modelInputs"/> orders --input-dir files.</summary>
    public Dictionary<string, TensorValue> ReadGiven(ParseResult pr, IReadOnlyList<string> modelInputs)
    {
        var given = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        if (pr.GetValue(InputDir) is { } dir)
        {
            if (!Directory.Exists(dir)) throw new BadInputException($"--input-dir {dir}: folder not found");
            var files = Directory.GetFiles(dir)
                .Select(f => (File: f, Match: InputFileName().Match(Path.GetFileName(f))))
                .Where(x => x.Match.Success)
                .Select(x => (x.File, Index: int.Parse(x.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .OrderBy(x => x.Index)
                .ToList();
            if (files.Count == 0)
                throw new BadInputException($"--input-dir {dir}: no input_0.pb (or .npy) files there{(Directory.GetDirectories(dir, "test_data_set_*").Length > 0 ? "; point it at one test_data_set_N folder" : "")}");
            foreach (var (file, index) in files)
            {
                if (index >= modelInputs.Count)
                    throw new BadInputException($"--input-dir {dir}: {Path.GetFileName(file)} has no matching model input (the model has {modelInputs.Count})");
                given[modelInputs[index]] = TensorFiles.Read(file);
            }
        }
        foreach (string spec in pr.GetValue(Input) ?? Array.Empty<string>())
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1) throw new BadInputException($"--input '{spec}': expected NAME=FILE");
            string name = spec[..eq];
            if (!modelInputs.Contains(name))
                throw new BadInputException($"--input {name}: the model has no input '{name}' (inputs: {string.Join(", ", modelInputs)})");
            given[name] = TensorFiles.Read(spec[(eq + 1)..]);
        }
        return given;
    }

    /// <summary>The model's run-time inputs in order (graph inputs that are not initializers).</summary>
    public static List<string> ModelInputNames(string modelPath)
    {
        using var m = ModelLoader.Load(modelPath);
        return m.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToList();
    }

    [GeneratedRegex(@"^input_(\d+)\.(pb|npy)$")]
    private static partial Regex InputFileName();
}
