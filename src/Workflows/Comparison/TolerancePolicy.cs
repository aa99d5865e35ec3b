using OnnxNorm.Ir;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>
/// The tolerance for each element type: a preset's per-dtype values, optionally overridden by explicit
/// rtol/atol (which then apply to every floating-point type). Integers and bools always compare exactly.
/// </summary>
public sealed record TolerancePolicy(TolerancePreset Preset = TolerancePreset.Close, double? Rtol = null, double? Atol = null)
{
    /// <summary>The <see cref="TolerancePreset.Close"/> preset.</summary>
    public static TolerancePolicy Default { get; } = new();

    /// <summary>The tolerance for outputs of <paramref name="type"/>: the preset's for that precision, overridden by Rtol/Atol when given.</summary>
    public Tolerance For(ElementType type)
    {
        if (!type.IsFloatingPoint()) return new Tolerance(0, 0);
        var t = PresetFor(Preset, type);
        return new Tolerance(Rtol ?? t.Rtol, Atol ?? t.Atol);
    }

    /// <summary>Per-dtype defaults: the relative error scales with each format's machine epsilon.</summary>
    public static Tolerance PresetFor(TolerancePreset preset, ElementType type) => (preset, type) switch
    {
        (TolerancePreset.Strict, ElementType.Double) => new(1e-12, 1e-14),
        (TolerancePreset.Strict, ElementType.Float16) => new(1e-3, 1e-4),
        (TolerancePreset.Strict, ElementType.BFloat16) => new(8e-3, 1e-3),
        (TolerancePreset.Strict, _) => new(1e-6, 1e-7),
        (TolerancePreset.Close, ElementType.Double) => new(1e-9, 1e-12),
        (TolerancePreset.Close, ElementType.Float16) => new(1e-2, 1e-3),
        (TolerancePreset.Close, ElementType.BFloat16) => new(2e-2, 1e-2),
        (TolerancePreset.Close, _) => new(1e-4, 1e-5),
        (TolerancePreset.Loose, ElementType.Double) => new(1e-6, 1e-9),
        (TolerancePreset.Loose, ElementType.Float16) => new(5e-2, 1e-2),
        (TolerancePreset.Loose, ElementType.BFloat16) => new(1e-1, 5e-2),
        (TolerancePreset.Loose, _) => new(1e-2, 1e-3),
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };

    /// <summary>The preset named on the command line ("strict", "close", "loose").</summary>
    /// <exception cref="BadInputException">An unknown name.</exception>
    public static TolerancePreset ParsePreset(string name) => name.ToLowerInvariant() switch
    {
        "strict" => TolerancePreset.Strict,
        "close" => TolerancePreset.Close,
        "loose" => TolerancePreset.Loose,
        _ => throw new BadInputException($"--tolerance '{name}': use strict, close or loose"),
    };
}
