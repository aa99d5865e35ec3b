using OnnxNorm.Graph;
using OnnxNorm.Runtime;

namespace OnnxNorm.Cli;

/// <summary>
/// Deterministic inputs for run/compare/bench: shapes from the model with symbolic dims taken from --shape
/// (NAME=D1,D2,... or just D1,D2,... for a single-input model) or 1; floats uniform in [-1, 1) from a fixed
/// seed, integers 0, bools false.
/// </summary>
public static class RandomInputs
{
    public static Dictionary<string, long[]> ParseShapes(IEnumerable<string> specs, IReadOnlyList<EngineInput> inputs)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            string name;
            string dims;
            if (eq < 0)
            {
                if (inputs.Count != 1) throw new BadInputException($"--shape '{spec}': the model has {inputs.Count} inputs; write NAME=D1,D2,...");
                (name, dims) = (inputs[0].Name, spec);
            }
            else (name, dims) = (spec[..eq], spec[(eq + 1)..]);
            var input = inputs.FirstOrDefault(i => i.Name == name) ?? throw new BadInputException($"--shape: '{name}' is not an input of the model");
            long[] shape;
            try { shape = dims.Split(',', StringSplitOptions.TrimEntries).Select(long.Parse).ToArray(); }
            catch (FormatException) { throw new BadInputException($"--shape '{spec}': dims must be integers separated by commas"); }
            if (shape.Any(d => d < 0)) throw new BadInputException($"--shape '{spec}': dims must not be negative");
            if (input.Dims.Length != shape.Length) throw new BadInputException($"--shape '{spec}': input '{name}' has rank {input.Dims.Length}");
            for (int d = 0; d < shape.Length; d++)
                if (input.Dims[d] is long fixedDim && fixedDim != shape[d])
                    throw new BadInputException($"--shape '{spec}': dim {d} of '{name}' is fixed at {fixedDim}");
            result[name] = shape;
        }
        return result;
    }

    public static Dictionary<string, TensorValue> Make(IReadOnlyList<EngineInput> inputs, IReadOnlyDictionary<string, long[]> shapes, ulong seed = 1)
    {
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        ulong state = seed * 0x9E3779B97F4A7C15UL + 1;
        foreach (var input in inputs)
        {
            var shape = shapes.TryGetValue(input.Name, out var s) ? s : input.Dims.Select(d => d ?? 1).ToArray();
            var t = TensorValue.Allocate(input.ElementType, shape);
            if (t.Buffer is float[] or double[] or Half[])
            {
                var values = new double[t.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    state = state * 6364136223846793005UL + 1442695040888963407UL;
                    values[i] = (state >> 11) * (2.0 / (1UL << 53)) - 1.0;
                }
                switch (t.Buffer)
                {
                    case float[] f: for (int i = 0; i < f.Length; i++) f[i] = (float)values[i]; break;
                    case double[] d: values.CopyTo(d, 0); break;
                    case Half[] h: for (int i = 0; i < h.Length; i++) h[i] = (Half)values[i]; break;
                }
            }
            feeds[input.Name] = t;
        }
        return feeds;
    }
}
