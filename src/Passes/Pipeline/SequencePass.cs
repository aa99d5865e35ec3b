using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>A pass made of other passes run in order, each seeing what the previous one left (clean-up, canonicalize).</summary>
public abstract class SequencePass(params IPass[] steps) : IPass
{
    /// <inheritdoc/>
    public abstract string Name { get; }
    /// <inheritdoc/>
    public abstract string Description { get; }
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        bool modified = false;
        var diagnostics = new List<Diagnostic>();
        foreach (var step in steps)
        {
            var r = step.Run(model);
            modified |= r.Modified;
            diagnostics.AddRange(r.Diagnostics);
        }
        return new PassResult(modified, diagnostics);
    }
}
