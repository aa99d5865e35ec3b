using System.Text;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Runtime.Data;

/// <summary>
/// Seeded random inputs for a model. Floats are standard normal (or uniform in [0, 1)), integers uniform in [0, 10) (small enough
/// to be valid indices and sizes in most models), booleans fair coins. Each input's stream is derived from
/// the seed and the input's name, so the same input gets the same data whatever the input order.
/// </summary>
public static class InputGenerator
{
    /// <summary>Integer inputs are drawn from [0, IntegerRange), small enough to be valid indices and sizes in most models.</summary>
    public const int IntegerRange = 10;

    /// <summary>Seeded random values for every input in <paramref name="inputs"/>; unknown dims come from <paramref name="shapes"/>, else a batch dim is 1 and any other is an error. The same seed gives the same tensors.</summary>
    public static Dictionary<string, TensorValue> Generate(IReadOnlyList<TensorSignature> inputs, ulong seed, ShapeOverrides? shapes = null,
        FloatDistribution distribution = FloatDistribution.Normal)
    {
        shapes ??= ShapeOverrides.Empty;
        var result = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var input in inputs)
            result[input.Name] = Random(input.ElementType, ResolveShape(input, shapes), Mix(seed, input.Name), distribution);
        return result;
    }

    /// <summary>
    /// The concrete shape for an input: a whole-shape override, else the model's dims with symbolic dims taken
    /// from a dim-name override, or 1 for a leading (batch-like) dim. Anything else cannot be guessed.
    /// </summary>
    public static long[] ResolveShape(TensorSignature input, ShapeOverrides shapes)
    {
        if (shapes.Shapes.TryGetValue(input.Name, out var given))
        {
            if (given.Length != input.Dims.Length)
                throw new BadInputException($"--shape {input.Name}: rank {given.Length} given, but the model's input is {input.ShapeText} (rank {input.Dims.Length})");
            for (int d = 0; d < given.Length; d++)
                if (input.Dims[d] >= 0 && input.Dims[d] != given[d])
                    throw new BadInputException($"--shape {input.Name}: dim {d} must be {input.Dims[d]} (the model's input is {input.ShapeText})");
            return (long[])given.Clone();
        }
        var shape = new long[input.Dims.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            if (input.Dims[d] >= 0) { shape[d] = input.Dims[d]; continue; }
            string? param = input.DimNames[d];
            if (param is not null && shapes.Shapes.TryGetValue(param, out var value) && value.Length == 1) { shape[d] = value[0]; continue; }
            if (d == 0) { shape[d] = 1; continue; }
            throw new BadInputException(
                $"input '{input.Name}' {input.ShapeText}: dim {d}{(param is null ? "" : $" ('{param}')")} is not fixed and cannot be guessed; " +
                $"give it with --shape {input.Name}={string.Join('x', input.Dims.Select(x => x >= 0 ? x.ToString() : "N"))}" +
                (param is null ? "" : $" or --shape {param}=N"));
        }
        return shape;
    }

    /// <summary>One seeded random tensor of <paramref name="type"/> and <paramref name="shape"/>.</summary>
    public static TensorValue Random(ElementType type, long[] shape, ulong seed, FloatDistribution distribution = FloatDistribution.Normal)
    {
        var rng = new DeterministicRandom(seed);
        Func<double> real = distribution == FloatDistribution.Uniform ? rng.NextDouble : rng.Normal;
        var t = type == ElementType.String
            ? TensorValue.Wrap(type, shape, new string[TensorValue.ElementCount(shape)])
            : TensorValue.Allocate(type, shape);
        int n = t.Length;
        switch (t.Buffer)
        {
            case float[] a: for (int i = 0; i < n; i++) a[i] = (float)real(); break;
            case double[] a: for (int i = 0; i < n; i++) a[i] = real(); break;
            case Half[] a: for (int i = 0; i < n; i++) a[i] = (Half)real(); break;
            case ushort[] a when type == ElementType.BFloat16: for (int i = 0; i < n; i++) a[i] = FloatBits.DoubleToBFloat16(real()); break;
            case ushort[] a: for (int i = 0; i < n; i++) a[i] = (ushort)rng.Next(0, IntegerRange); break;
            case long[] a: for (int i = 0; i < n; i++) a[i] = rng.Next(0, IntegerRange); break;
            case int[] a: for (int i = 0; i < n; i++) a[i] = (int)rng.Next(0, IntegerRange); break;
            case short[] a: for (int i = 0; i < n; i++) a[i] = (short)rng.Next(0, IntegerRange); break;
            case sbyte[] a: for (int i = 0; i < n; i++) a[i] = (sbyte)rng.Next(0, IntegerRange); break;
            case byte[] a: for (int i = 0; i < n; i++) a[i] = (byte)rng.Next(0, IntegerRange); break;
            case uint[] a: for (int i = 0; i < n; i++) a[i] = (uint)rng.Next(0, IntegerRange); break;
            case ulong[] a: for (int i = 0; i < n; i++) a[i] = (ulong)rng.Next(0, IntegerRange); break;
            case bool[] a: for (int i = 0; i < n; i++) a[i] = (rng.NextUInt64() & 1) != 0; break;
            case string[] a: for (int i = 0; i < n; i++) a[i] = $"s{rng.Next(0, IntegerRange)}"; break;
            default: throw new BadInputException($"cannot generate random {type.Name()} data");
        }
        return t;
    }

    // FNV-1a of the name, mixed into the seed.
    private static ulong Mix(ulong seed, string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(name)) { h ^= b; h *= 1099511628211UL; }
        return seed ^ h;
    }
}
