using OnnxNorm.Ir;

namespace OnnxNorm.Ort;

/// <summary>
/// A session input or output as ORT sees it: name, kind, element type and dims, where a symbolic or unknown
/// dim is -1 and <see cref="DimNames"/> holds its name when the model gives one.
/// </summary>
public sealed record OrtValueInfo(string Name, OrtValueKind Kind, ElementType ElementType, long[] Dims, string?[] DimNames)
{
    /// <summary>"name: type[dims]".</summary>
    public override string ToString() =>
        Kind != OrtValueKind.Tensor
            ? $"{Name}: {Kind.ToString().ToLowerInvariant()}"
            : $"{Name}: {ElementType.Name()}[{string.Join(',', Dims.Select((d, i) => d >= 0 ? d.ToString() : DimNames[i] ?? "?"))}]";
}
