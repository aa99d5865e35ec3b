namespace OnnxNorm.Passes;

/// <summary>`clean-up`: remove-identity, lift-constants and remove-dead, in that order (each feeds the next).</summary>
public sealed class CleanUpPass() : SequencePass(new RemoveIdentityPass(), new LiftConstantsPass(), new RemoveDeadNodesPass())
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "clean-up";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Remove Identity and dead nodes, unused initializers; lift Constant nodes to initializers.";
}
