using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// One rewrite rule: for a node, a patch, a coded refusal, or null (not this rule's node). Asking changes
/// nothing; <see cref="RewriteDriver"/> applies what the rules propose.
/// </summary>
public interface IRewriteRule
{
    /// <summary>What this rule proposes for <paramref name="node"/>: a patch, a refusal, or null when the node is not its concern. Changes nothing.</summary>
    RewriteProposal? Propose(Node node);
}

/// <summary>A rule written as a function.</summary>
public sealed class RewriteRule(Func<Node, RewriteProposal?> propose) : IRewriteRule
{
    /// <inheritdoc/>
    public RewriteProposal? Propose(Node node) => propose(node);
}
