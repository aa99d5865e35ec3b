using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `canonicalize`: the first stage of the default pipeline. It puts a model into the form the folds expect,
/// whoever exported it: nodes sorted, Constant nodes as initializers, every constant-only computation
/// (an Identity or Transpose in front of a weight, a Reshape of a shape constant...) folded, Identity and dead
/// nodes gone. Graph inputs and outputs keep their names and types.
/// </summary>
public sealed class CanonicalizePass(IConstantEvaluator? evaluator) : SequencePass(
    new TopologicalSortPass(), new LiftConstantsPass(), new FoldConstantsPass(evaluator),
    new RemoveIdentityPass(), new RemoveDeadNodesPass())
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "canonicalize";

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "sort, lift-constants, fold-constants, remove-identity and remove-dead, in that order.";
}
