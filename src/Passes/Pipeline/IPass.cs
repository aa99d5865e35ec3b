using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// One rewrite or analysis over a whole model (subgraphs included). A pass reports what it did and what it
/// refused through diagnostics, so a caller never has to diff models to find out.
/// </summary>
public interface IPass
{
    /// <summary>The name used on the command line and in the registry (kebab-case).</summary>
    string Name { get; }

    /// <summary>One line for `--help` and the README.</summary>
    string Description { get; }

    /// <summary>An analysis pass only reports; the pipeline checks (under verify) that it left the model unchanged.</summary>
    bool IsAnalysis { get; }

    /// <summary>Runs the pass over <paramref name="model"/> (in place) and reports what it did.</summary>
    PassResult Run(Model model);

    /// <summary>
    /// Runs with the pipeline's <paramref name="session"/>, which applies (counts, checks, can withhold) every
    /// patch. A pass that does not edit through patches ignores it.
    /// </summary>
    PassResult Run(Model model, RewriteSession session) => Run(model);
}
