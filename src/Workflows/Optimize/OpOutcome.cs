namespace OnnxNorm.Workflows.Optimize;

/// <summary>
/// What happened to one BN or per-channel affine op: folded (<see cref="Code"/> names into what, <see cref="Detail"/>
/// which node), or left in the model with one reason.
/// </summary>
public sealed record OpOutcome(string Node, bool Folded, string Code, string Detail);
