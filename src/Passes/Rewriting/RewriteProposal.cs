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

    public RewritePatch? Patch { get; }
    public Diagnostic? Refusal { get; }

    public static RewriteProposal Of(RewritePatch patch) => new(patch, null);

    public static RewriteProposal Refuse(Diagnostic refusal) => new(null, refusal);

    public static implicit operator RewriteProposal(RewritePatch patch) => Of(patch);
}
