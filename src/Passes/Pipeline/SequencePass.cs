using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>A pass made of other passes run in order, each seeing what the previous one left (clean-up, canonicalize).</summary>
public abstract class SequencePass(params IPass[] steps) : RewritePass
{
    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        bool modified = false;
        var diagnostics = new List<Diagnostic>();
        foreach (var step in steps)
        {
            if (session.Stopped) break;
            var r = step.Run(model, session);
            modified |= r.Modified;
            diagnostics.AddRange(r.Diagnostics);
        }
        return new PassResult(modified, diagnostics);
    }
}
