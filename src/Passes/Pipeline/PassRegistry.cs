using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// Name → factory for every pass. An explicit list (no reflection scanning): adding a pass means adding a
/// line here, and the list is what `optimize --passes` accepts.
/// </summary>
public sealed class PassRegistry
{
    private readonly Dictionary<string, Func<PassSettings, IPass>> _factories = new(StringComparer.Ordinal);

    /// <summary>Every pass of OnnxNorm.</summary>
    public static PassRegistry Default { get; } = new PassRegistry()
        .Add(CanonicalizePass.PassName, s => new CanonicalizePass(s.ConstantEvaluator))
        .Add(TopologicalSortPass.PassName, () => new TopologicalSortPass())
        .Add(FoldConstantsPass.PassName, s => new FoldConstantsPass(s.ConstantEvaluator))
        .Add(FoldAffinePass.PassName, s => new FoldAffinePass(s.BatchNormArithmetic))
        .Add(FoldBatchNormPass.PassName, s => new FoldBatchNormPass(s.BatchNormArithmetic))
        .Add(FoldBatchNormForwardPass.PassName, s => new FoldBatchNormForwardPass(s.BatchNormArithmetic))
        .Add(BatchNormToAffinePass.PassName, s => new BatchNormToAffinePass(s.BatchNormArithmetic))
        .Add(CleanUpPass.PassName, () => new CleanUpPass())
        .Add(RemoveIdentityPass.PassName, () => new RemoveIdentityPass())
        .Add(LiftConstantsPass.PassName, () => new LiftConstantsPass())
        .Add(RemoveDeadNodesPass.PassName, () => new RemoveDeadNodesPass())
        .Add(AnalyzeBatchNormPass.PassName, () => new AnalyzeBatchNormPass())
        .Add(FreezeBatchNormPass.PassName, () => new FreezeBatchNormPass());

    /// <summary>What `optimize` runs when --passes is not given.</summary>
    public static IReadOnlyList<string> DefaultPipeline { get; } =
        new[] { CanonicalizePass.PassName, FoldAffinePass.PassName, CleanUpPass.PassName };

    /// <summary>Registers a pass that takes no settings.</summary>
    public PassRegistry Add(string name, Func<IPass> factory) => Add(name, _ => factory());

    /// <summary>Registers a pass built from the run's settings; a name registered twice is an error.</summary>
    public PassRegistry Add(string name, Func<PassSettings, IPass> factory)
    {
        if (!_factories.TryAdd(name, factory)) throw new ArgumentException($"pass '{name}' is registered twice");
        return this;
    }

    /// <summary>The registered pass names.</summary>
    public IEnumerable<string> Names => _factories.Keys;

    /// <summary>Whether a pass called <paramref name="name"/> is registered.</summary>
    public bool Contains(string name) => _factories.ContainsKey(name);

    /// <summary>A fresh instance of the named pass; an unknown name is bad input that lists the known ones.</summary>
    public IPass Create(string name, PassSettings? settings = null)
    {
        if (_factories.TryGetValue(name, out var factory)) return factory(settings ?? PassSettings.Default);
        throw new BadInputException($"unknown pass '{name}' (known: {string.Join(", ", _factories.Keys)})");
    }
}
