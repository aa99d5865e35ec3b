using OnnxNorm.Graph;

namespace OnnxNorm.Passes;

/// <summary>`clean-up`: remove-identity, lift-constants and remove-dead, in that order (each feeds the next).</summary>
public sealed class CleanUpPass : IPass
{
    public const string PassName = "clean-up";

    private readonly IPass[] _steps = { new RemoveIdentityPass(), new LiftConstantsPass(), new RemoveDeadNodesPass() };

    public string Name => PassName;
    public string Description => "Remove Identity and dead nodes, unused initializers; lift Constant nodes to initializers.";
    public bool IsAnalysis => false;

    public PassResult Run(Model model)
    {
        bool modified = false;
        var diagnostics = new List<Diagnostic>();
        foreach (var step in _steps)
        {
            var r = step.Run(model);
            modified |= r.Modified;
            diagnostics.AddRange(r.Diagnostics);
        }
        return new PassResult(modified, diagnostics);
    }
}
