using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>The inputs both models are run on: the caller's tensors, and seeded random data for the rest.</summary>
public static class ComparisonInputs
{
    /// <summary>The inputs a comparison feeds both models: from files when given, else seeded random tensors; also where each came from.</summary>
    /// <exception cref="BadInputException">A missing, unknown or mistyped input file.</exception>
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
            if (!TensorValue.IsSupported(input.ElementType))
                throw new BadInputException(input.ElementType == ElementType.Undefined
                    ? $"input '{input.Name}' is not a tensor of a known type (sequence, optional, map and untyped inputs are not supported)"
                    : $"input '{input.Name}' is {input.ElementType.Name()}, which cannot be fed ({TensorValue.SupportedText})");
            if (given.TryGetValue(input.Name, out var v))
            {
                CheckMatches(input, v);
                values[input.Name] = v;
                sources[input.Name] = $"given {v}";
            }
            else missing.Add(input);
        }
        foreach (var (name, v) in InputGenerator.Generate(missing, options.Seed, options.Shapes, options.Distribution))
        {
            values[name] = v;
            string how = v.ElementType.IsFloatingPoint() ? $"{options.Distribution.ToString().ToLowerInvariant()}, " : "";
            sources[name] = $"random ({how}seed {options.Seed}) {v}";
        }
        return (values, sources);
    }

    /// <summary>
    /// The inputs an engine takes, from the shared ones: inputs it does not have are left out, and a
    /// floating-point input is converted when the engine wants another floating-point type (a float16 model
    /// compared with its float32 original gets the same values, rounded once).
    /// </summary>
    public static Dictionary<string, TensorValue> AdaptTo(IReadOnlyList<TensorSignature> engineInputs, IReadOnlyDictionary<string, TensorValue> values)
    {
        var feed = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var input in engineInputs)
        {
            if (!values.TryGetValue(input.Name, out var v)) continue;
            feed[input.Name] = v.ElementType != input.ElementType && v.ElementType.IsFloatingPoint() && input.ElementType.IsFloatingPoint()
                ? ConvertFloating(v, input.ElementType)
                : v;
        }
        return feed;
    }

    /// <paramref name="v"/> converted to the floating-point <paramref name="type"/> (rounded once).
    public static TensorValue ConvertFloating(TensorValue v, ElementType type)
    {
        var d = v.ToDoubles();
        var t = TensorValue.Allocate(type, (long[])v.Shape.Clone());
        switch (t.Buffer)
        {
            case float[] a: for (int i = 0; i < d.Length; i++) a[i] = (float)d[i]; break;
            case double[] a: Array.Copy(d, a, d.Length); break;
            case Half[] a: for (int i = 0; i < d.Length; i++) a[i] = (Half)d[i]; break;
            case ushort[] a: for (int i = 0; i < d.Length; i++) a[i] = FloatBits.DoubleToBFloat16(d[i]); break;
            default: throw new ArgumentException($"{type.Name()} is not a floating-point type");
        }
        return t;
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
