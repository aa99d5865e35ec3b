using System.Text.RegularExpressions;
using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// `freeze-bn`: turns every training-mode BatchNormalization (training_mode=1, BN-6 is_test=0, BN-7..13
/// with the extra outputs) into inference mode with its stored running statistics. The running/saved
/// statistics outputs are dropped; whatever read them (graph outputs included, which keep their names)
/// now reads the constant running statistics, because that is what a frozen layer's statistics are.
/// Afterwards fold-bn can fold the layers.
/// </summary>
public sealed class FreezeBatchNormPass : RewritePass
{
    /// <summary>The name this pass is registered and run under (<c>--passes</c>).</summary>
    public const string PassName = "freeze-bn";

    private readonly Regex? _only;
    private readonly List<string> _frozenParameters = new();

    /// <summary>A freeze-bn pass; <paramref name="only"/> limits it to BN nodes whose name matches.</summary>
    public FreezeBatchNormPass(Regex? only = null) => _only = only;

    /// <inheritdoc/>
    public override string Name => PassName;
    /// <inheritdoc/>
    public override string Description => "Turn training-mode BatchNormalization into inference mode with its running statistics.";

    /// <summary>Names of the scale, bias, mean and var tensors of the layers frozen by the last run, in graph order.</summary>
    public IReadOnlyList<string> FrozenParameters => _frozenParameters;

    /// <inheritdoc/>
    public override PassResult Run(Model model, RewriteSession session)
    {
        _frozenParameters.Clear();
        return RewriteDriver.Result(RewriteDriver.Sweep(model, session, new RewriteRule(n => BatchNormMode.IsBatchNorm(n) ? Propose(n) : null)));
    }

    private RewriteProposal? Propose(Node bn)
    {
        var mode = BatchNormMode.Of(bn);
        if (!mode.IsTraining) return null;
        string label = bn.Name.Length > 0 ? bn.Name : bn.Describe();
        if (_only is not null && !_only.IsMatch(bn.Name))
            return RewriteProposal.Refuse(new Diagnostic(DiagnosticSeverity.Info, FreezeCodes.NotSelected, bn.Name,
                $"training-mode BN left as it is: its name does not match --only ({mode.Reason})"));
        var mean = bn.Input(3);
        var variance = bn.Input(4);
        var meanTensor = Graph.TryGetConstant(mean);
        var varTensor = Graph.TryGetConstant(variance);
        if (meanTensor is null || varTensor is null)
            // Without constant running statistics there is nothing to freeze to.
            return RewriteProposal.Refuse(new Diagnostic(DiagnosticSeverity.Warning, FreezeCodes.StatisticsNotConstant, bn.Name,
                $"{label} is in training mode ({mode.Reason}) but its running mean/var are not constant tensors; left as it is"));

        var outcomes = new List<Diagnostic>();
        var rewired = new List<(Value Extra, Value Replacement)>();
        // Outputs 1..4 are running_mean, running_var (BN-9..15), then saved_mean, saved_var (BN-6..9). Frozen,
        // the batch statistics are the running statistics, so mean-like outputs become the running mean and
        // variance-like outputs the running variance.
        for (int i = 1; i < bn.Outputs.Count; i++)
        {
            if (bn.Outputs[i] is not { } extra) continue;
            if (extra.Uses.Count == 0 && !extra.IsGraphOutput) continue;
            var replacement = i % 2 == 1 ? mean! : variance!;
            string what = i switch { 1 => "running_mean", 2 => "running_var", 3 => "saved_mean", _ => "saved_var" };
            bool wasOutput = extra.IsGraphOutput;
            rewired.Add((extra, replacement));
            outcomes.Add(new Diagnostic(DiagnosticSeverity.Warning, FreezeCodes.OutputRewired, bn.Name,
                $"{label}: output {what} '{extra.Name}' ({extra.Uses.Count} use(s){(wasOutput ? ", a graph output" : "")}) now reads the constant '{replacement.Name}'"
                + (wasOutput ? $"; graph output '{extra.Name}' keeps its name" : "")));
        }
        outcomes.Add(new Diagnostic(DiagnosticSeverity.Info, FreezeCodes.Frozen, bn.Name, $"frozen to inference mode (was: {mode.Reason})"));
        if (HoldsDefaultStatistics(meanTensor, varTensor))
            outcomes.Add(new Diagnostic(DiagnosticSeverity.Warning, FreezeCodes.DefaultStatistics, bn.Name,
                $"{label} holds the default statistics (mean 0, var 1): it was probably never trained, and frozen it only applies scale and bias"));
        return new RewritePatch(bn, $"{bn.Describe()}: frozen to inference mode", () =>
        {
            foreach (var (extra, replacement) in rewired) bn.Owner.ReplaceAllUses(extra, replacement);
            bn.TruncateOutputs(1);
            if (bn.Opset < 7) bn.SetInt("is_test", 1);
            if (bn.HasAttribute("training_mode")) bn.RemoveAttribute("training_mode");
            for (int i = 1; i <= 4; i++)
                if (bn.Input(i) is { } p && !_frozenParameters.Contains(p.Name)) _frozenParameters.Add(p.Name);
        }, outcomes);
    }

    private static bool HoldsDefaultStatistics(Tensor mean, Tensor variance)
    {
        var m = mean.ToDoubles();
        var v = variance.ToDoubles();
        return m.All(x => x == 0) && v.All(x => x == 1);
    }
}
