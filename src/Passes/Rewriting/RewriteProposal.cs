namespace OnnxNorm.Passes;

/// <summary>
/// What a rule says about a node it matched: a patch, or a coded refusal (one of <see cref="FoldRefusalCodes"/>,
/// <see cref="FreezeCodes"/>...) that the pass reports. A rule returns null instead for a node it has
/// nothing to say about.
/// </summary>
public sealed class RewriteProposal
{
    private RewriteProposal(RewritePatch? patch, Diagnostic? refusal)
    {
        Patch = patch;
        Refusal = refusal;
    }

    /// <summary>The proposed patch; null for a refusal.</summary>
    public RewritePatch? Patch { get; }
    /// <summary>The coded refusal; null for a patch.</summary>
    public Diagnostic? Refusal { get; }

    /// <summary>A proposal to apply <paramref name="patch"/>.</summary>
    public static RewriteProposal Of(RewritePatch patch) => new(patch, null);

    /// <summary>A refusal, reported as <paramref name="refusal"/>.</summary>
    public static RewriteProposal Refuse(Diagnostic refusal) => new(null, refusal);

    /// <summary>A patch is a proposal to apply it.</summary>
    public static implicit operator RewriteProposal(RewritePatch patch) => Of(patch);
}
