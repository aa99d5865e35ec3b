using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// One rewrite, decided and computed but not yet applied: what it rewrites, what it does (in words, for the
/// bisect report and the verify error), and the edits themselves, which go through the IR's mutators only.
/// Planning changes nothing, so a rule can be asked, and its patch withheld (`--stop-after`), at no cost to
/// the model.
/// </summary>
public sealed class RewritePatch
{
    private readonly Action _edits;

    /// <param name="node">The node the patch replaces or rewrites; null for a graph-level patch (a sort, a released initializer).</param>
    /// <param name="description">What the patch does, naming the nodes it touches.</param>
    /// <param name="edits">The edits, through the IR's mutators; run at most once.</param>
    /// <param name="outcomes">What the pass reports once the patch is applied (a fold and where it went); empty when the pass summarises.</param>
    public RewritePatch(Node? node, string description, Action edits, IReadOnlyList<Diagnostic>? outcomes = null)
    {
        Node = node;
        Description = description;
        _edits = edits;
        Outcomes = outcomes ?? Array.Empty<Diagnostic>();
    }

    /// <summary>The node the patch replaces or rewrites; null for a graph-level patch.</summary>
    public Node? Node { get; }
    /// <summary>What the patch does, naming the nodes it touches.</summary>
    public string Description { get; }
    /// <summary>What the pass reports once the patch is applied.</summary>
    public IReadOnlyList<Diagnostic> Outcomes { get; }

    /// <summary>A patch whose one outcome is <paramref name="outcome"/>, described by its message.</summary>
    public static RewritePatch Reporting(Node node, Diagnostic outcome, Action edits) =>
        new(node, $"{node.Describe()}: {outcome.Code}: {outcome.Message}", edits, new[] { outcome });

    private bool _applied;

    internal void Apply()
    {
        if (_applied) throw new InvalidOperationException($"patch applied twice: {Description}");
        _applied = true;
        _edits();
    }

    /// <summary>The description.</summary>
    public override string ToString() => Description;
}
