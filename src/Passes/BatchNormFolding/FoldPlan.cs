using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A fold that has been decided and computed but not yet applied: which producer input gets which new
/// tensor, and any attribute change. Deciding and applying are separate so that `inspect` can ask the
/// same question as the pass without changing the model.
/// </summary>
public sealed record FoldPlan(
    Node BatchNorm,
    Node Producer,
    string ProducerKind,
    IReadOnlyList<InputReplacement> Replacements,
    Action<Node>? EditProducer = null);
