using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>A graph input or output as the model declares it: name, element type and dims (null dim = symbolic).</summary>
public sealed record SessionIO(string Name, ElementType ElementType, Dim[]? Shape)
{
    /// <summary>"name: type[dims]".</summary>
    public override string ToString() =>
        $"{Name}: {ElementType.Name()}[{(Shape is null ? "?" : string.Join(',', Shape.Select(d => d.ToString())))}]";
}
