using OnnxNorm.Graph;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Runtime.Comparison;

/// <summary>The inputs both models are run on: the caller's tensors, and seeded random data for the rest.</summary>
public static class ComparisonInputs
{
    public static (Dictionary<string, TensorValue> Values, Dictionary<string, string> Sources) Prepare(
        IReadOnlyList<TensorSignature> inputs, ComparisonOptions options)
    {
        var given = options.Inputs ?? new Dictionary<string, TensorValue>();
        foreach (var name in given.Keys)
            if (!inputs.Any(i => i.Name == name))
                throw new BadInputException($"--input {name}: the model has no input '{name}' (inputs: {string.Join(", ", inputs.Select(i => i.Name))})");
        foreach (var name in options.Shapes.Shapes.Keys)
            if (!inputs.Any(i => i.Name == name || i.DimNames.Contains(name)))
                throw new BadInputException($"--shape {name}: the model has no input or symbolic dim named '{name}'");
        var values = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<TensorSignature>();
        foreach (var input in inputs)
        {
            if (given.TryGetValue(input.Name, out var v))
            {
                CheckMatches(input, v);
                values[input.Name] = v;
                sources[input.Name] = $"given {v}";
            }
            else missing.Add(input);
        }
        foreach (var (name, v) in InputGenerator.Generate(missing, options.Seed, options.Shapes))
        {
            values[name] = v;
            sources[name] = $"random (seed {options.Seed}) {v}";
        }
        return (values, sources);
    }

    /// <summary>Checks a given tensor against the model's input, naming both in the message.</summary>
    public static void CheckMatches(TensorSignature input, TensorValue v)
    {
        if (v.ElementType != input.ElementType)
            throw new BadInputException($"input '{input.Name}': the model expects {input.ElementType.Name()}, the data is {v.ElementType.Name()}");
        bool shapeOk = v.Rank == input.Dims.Length;
        for (int d = 0; shapeOk && d < v.Rank; d++) shapeOk = input.Dims[d] < 0 || input.Dims[d] == v.Shape[d];
        if (!shapeOk)
            throw new BadInputException($"input '{input.Name}': the model expects shape {input.ShapeText}, the data has [{string.Join(',', v.Shape)}]");
    }
}
