using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A pass that edits the model only through patches applied by a <see cref="RewriteSession"/>. Run alone it
/// has a session of its own (no limit); in a pipeline it shares the pipeline's, which counts and checks every
/// patch of the run.
/// </summary>
public abstract class RewritePass : IPass
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public bool IsAnalysis => false;

    public PassResult Run(Model model) => Run(model, new RewriteSession());

    public abstract PassResult Run(Model model, RewriteSession session);
}
