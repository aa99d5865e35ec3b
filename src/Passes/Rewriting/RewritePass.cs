using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A pass that edits the model only through patches applied by a <see cref="RewriteSession"/>. Run alone it
/// has a session of its own (no limit); in a pipeline it shares the pipeline's, which counts and checks every
/// patch of the run.
/// </summary>
public abstract class RewritePass : IPass
{
    /// <inheritdoc/>
    public abstract string Name { get; }
    /// <inheritdoc/>
    public abstract string Description { get; }
    /// <inheritdoc/>
    public bool IsAnalysis => false;

    /// <inheritdoc/>
    public PassResult Run(Model model) => Run(model, new RewriteSession());

    /// <summary>Runs the pass with its patches applied (and counted, and checked) by <paramref name="session"/>.</summary>
    public abstract PassResult Run(Model model, RewriteSession session);
}
