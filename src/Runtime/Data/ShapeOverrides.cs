using System.Globalization;
using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Data;

/// <summary>
/// Shapes given on the command line (<c>--shape NAME=1x3x224x224</c>). NAME is an input (the whole shape) or
/// a symbolic dim name (one number, e.g. <c>--shape height=224</c>) that fills that dim in every input.
/// </summary>
public sealed class ShapeOverrides
{
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);

    /// <summary>No overrides.</summary>
    public static ShapeOverrides Empty => new();

    /// <summary>The shapes by input name or symbolic dim name.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;

    /// <summary>Parses NAME=DIMS specifications (e.g. "input=1x3x224x224", "height=224").</summary>
    /// <exception cref="BadInputException">A malformed or repeated specification.</exception>
    public static ShapeOverrides Parse(IEnumerable<string> specs)
    {
        var r = new ShapeOverrides();
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1) throw new BadInputException($"--shape '{spec}': expected NAME=DIMS, e.g. input=1x3x224x224");
            string name = spec[..eq];
            string dims = spec[(eq + 1)..];
            var parts = dims.Split('x', ',');
            var shape = new long[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                    throw new BadInputException($"--shape '{spec}': '{parts[i]}' is not a dimension (use e.g. 1x3x224x224)");
            if (!r._shapes.TryAdd(name, shape)) throw new BadInputException($"--shape: '{name}' is given twice");
        }
        return r;
    }

    /// <summary>Sets the shape of input or dim <paramref name="name"/>.</summary>
    public void Add(string name, long[] shape) => _shapes[name] = shape;
}
