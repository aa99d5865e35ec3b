using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// One rewrite rule: for a node, a patch, a coded refusal, or null (not this rule's node). Asking changes
/// nothing; <see cref="RewriteDriver"/> applies what the rules propose.
/// </summary>
public interface IRewriteRule
{
    RewriteProposal? Propose(Node node);
}

/// <summary>A rule written as a function.</summary>
public sealed class RewriteRule(Func<Node, RewriteProposal?> propose) : IRewriteRule
{
    public RewriteProposal? Propose(Node node) => propose(node);
}
