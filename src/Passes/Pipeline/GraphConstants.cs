using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>Adding and releasing the constant tensors that rewrites create and orphan.</summary>
internal static class GraphConstants
{
    /// <summary>
    /// Adds a new initializer with a unique name derived from <paramref name="hint"/>. Before IR 4 every
    /// initializer of the main graph must also be a graph input, so there it is listed as one (it stays
    /// non-overridable). Subgraph inputs are positional (Loop/Scan bodies), so a subgraph never gets one.
    /// </summary>
    public static Value Add(Graph g, string hint, Tensor tensor)
    {
        var v = g.AddInitializer(hint, tensor);
        if (g.Model.IrVersion < 4 && g.Parent is null)
        {
            v.DeclareTensorType(tensor.ElementType, tensor.Dims.Select(d => new Dim(d, null)).ToArray());
            g.AddInput(v);
        }
        return v;
    }

    /// <summary>
    /// Removes a constant nothing reads any more: an unused initializer (not a graph input or output) or
    /// an unused Constant node. Anything else is left alone. Returns true if something was removed.
    /// </summary>
    public static bool ReleaseIfUnused(Value? v)
    {
        if (!CanRelease(v)) return false;
        if (v!.IsInitializer)
        {
            if (v.IsGraphInput) v.Owner.RemoveInput(v);
            v.Owner.RemoveInitializer(v);
        }
        else v.Producer!.Owner.RemoveNode(v.Producer);
        return true;
    }

    /// <summary>True when <see cref="ReleaseIfUnused"/> would remove <paramref name="v"/>.</summary>
    public static bool CanRelease(Value? v)
    {
        if (v is null || v.Uses.Count > 0 || v.IsGraphOutput) return false;
        // Before IR 4 main-graph initializers are listed as inputs by necessity; then the input can go too.
        // Subgraph inputs are positional and never removed.
        if (v.IsInitializer) return !v.IsGraphInput || v.Owner.Model.IrVersion < 4 && v.Owner.Parent is null;
        return v.Producer is { OpType: "Constant", Domain: "" } p && p.Outputs.Count == 1;
    }
}
