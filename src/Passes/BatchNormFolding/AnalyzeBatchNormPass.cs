using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>`analyze-bn`: reports <see cref="BatchNormAnalysis"/> as diagnostics; changes nothing.</summary>
public sealed class AnalyzeBatchNormPass : IPass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "analyze-bn";

    /// <inheritdoc/>
    public string Name => PassName;
    /// <inheritdoc/>
    public string Description => "Report each BatchNormalization's mode, foldability and parameter health (changes nothing).";
    /// <inheritdoc/>
    public bool IsAnalysis => true;

    /// <inheritdoc/>
    public PassResult Run(Model model)
    {
        var diagnostics = new List<Diagnostic>();
        foreach (var r in BatchNormAnalysis.Of(model))
        {
            diagnostics.Add(r.Foldable
                ? new Diagnostic(DiagnosticSeverity.Info, "foldable", r.Node, $"fold-bn would fold it into its {r.FoldInto}")
                : new Diagnostic(DiagnosticSeverity.Info, r.RefusalCode!, r.Node, r.RefusalReason!));
            foreach (var lint in r.Lints)
                diagnostics.Add(new Diagnostic(lint.Severity, lint.Code, r.Node,
                    lint.Channels is { Count: > 0 } ch ? $"{lint.Message} (channels {string.Join(", ", ch.Take(16))}{(ch.Count > 16 ? ", ..." : "")})" : lint.Message));
        }
        return new PassResult(false, diagnostics);
    }
}
