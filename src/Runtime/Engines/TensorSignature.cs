using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Engines;

/// <summary>
/// What an engine expects for one input (or gives for one output): name, element type and dims, where a
/// symbolic or unknown dim is -1 and <see cref="DimNames"/> holds its name when the model gives one.
/// </summary>
public sealed record TensorSignature(string Name, ElementType ElementType, long[] Dims, string?[] DimNames)
{
    /// <summary>The dims as "[1,3,h,w]": numbers, dim names, or "?".</summary>
    public string ShapeText => "[" + string.Join(',', Dims.Select((d, i) => d >= 0 ? d.ToString() : DimNames[i] ?? "?")) + "]";

    /// <summary>"name: type[dims]".</summary>
    public override string ToString() => $"{Name}: {ElementType.Name()}{ShapeText}";
}
