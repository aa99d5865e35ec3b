using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// A residual connection's Add after a Conv step (ResNet's blocks, MobileNetV2's and EfficientNet's inverted
/// residuals): the step's output is read by nothing but an Add whose other operand is a computed float tensor
/// (not a constant: those broadcast per channel and fold), of a shape not declared different, computed before the Conv. The Conv step then reads that operand
/// and adds it to each finished block of its output (<see cref="Kernels.ResidualEpilogue"/>), saving a pass over
/// both tensors; an activation after the Add fuses after it as after a Conv.
/// </summary>
internal static class ResidualAddFusion
{
    /// <summary>The Add absorbed and its other operand, which the Conv step reads as <see cref="Operators.Conv.ResidualInput"/>.</summary>
    public sealed record Match(Node Add, Value Residual);

    /// <param name="tail">The node whose output the Conv step writes so far (the Conv, or the last node folded into it).</param>
    /// <param name="constantOf">The plan's constants (a constant operand is left to the Add).</param>
    /// <param name="fusable">Whether a node may be absorbed (same graph, supported, output not watched).</param>
    /// <param name="computedBefore">Whether a value is available when the Conv's step runs.</param>
    public static Match? Find(Node tail, Func<Value, TensorValue?> constantOf, Func<Node, bool> fusable, Func<Value, bool> computedBefore)
    {
        var y = tail.Output(0);
        if (y is null || y.IsGraphOutput || tail.Outputs.Count(o => o is { Name.Length: > 0 }) != 1 || y.Uses.Count != 1) return null;
        var (add, index) = (y.Uses[0].Node, y.Uses[0].Index);
        if (add.OpType != "Add" || add.Domain != "" || add.Inputs.Count != 2 || add.Outputs.Count != 1 || !fusable(add)) return null;
        var other = add.Input(1 - index);
        if (other is null || other.Name.Length == 0 || ReferenceEquals(other, y) || constantOf(other) is not null) return null;
        if (other.ElementType is not (ElementType.Float or ElementType.Undefined) || KnownToDiffer(y.Shape, other.Shape) || !computedBefore(other)) return null;
        return new Match(add, other);
    }

    // Declared shapes that differ (a broadcast). Exported models rarely declare intermediate shapes, so an
    // undeclared one fuses, and the step checks the shapes when it runs (Operators.FusedResidualAdd).
    private static bool KnownToDiffer(Dim[]? a, Dim[]? b) =>
        a is not null && b is not null && (a.Length != b.Length || a.Zip(b).Any(p => p.First.Value is { } x && p.Second.Value is { } z && x != z));
}
