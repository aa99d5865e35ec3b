namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// The commands that fix what check-stats found, ready to paste into a POSIX shell: recalibrate when a
/// layer's statistics do not fit the data, freeze-bn for the layers whose batch statistics are too noisy at
/// the batch size asked about. Every report prints the same strings.
/// </summary>
public sealed record StatsAdvice(string? Recalibrate, string? FreezeBn, string? NormalisationNote)
{
    /// <summary>The suggested commands, in order.</summary>
    public IEnumerable<string> Commands => new[] { Recalibrate, FreezeBn }.OfType<string>();

    /// <summary>What to do about <paramref name="report"/>: the commands to run on the model and data.</summary>
    public static StatsAdvice For(StatsReport report, string modelPath, IReadOnlyList<string> dataSpecs, string engine)
    {
        string stem = Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath));
        string engineArg = engine == "native" ? "" : $" --engine {Quote(engine)}";
        string? recalibrate = report.AnyFlagged
            ? $"onnxnorm recalibrate {Quote(modelPath)} {string.Join(' ', dataSpecs.Select(d => "--data " + Quote(d)))}{engineArg} -o {Quote(stem + ".recalibrated.onnx")}"
            : null;
        string? freeze = null, note = null;
        if (report.SmallBatch is { AnyFlagged: true } sb)
        {
            if (sb.FreezeRegex is not null)
                freeze = $"onnxnorm freeze-bn {Quote(modelPath)} -o {Quote(stem + ".frozen.onnx")} --only {Quote(sb.FreezeRegex)}";
            note = $"At batch size {sb.BatchSize}, {sb.FlaggedLayers.Count} layer(s) normalise by noisy batch statistics. Fine-tune them with "
                + "their running statistics frozen (freeze-bn on a training export; eval() on those BatchNorm modules in PyTorch)"
                + (sb.SmallestSafeBatchSize is int b ? $", or train with batches of at least {b}" : "")
                + ", or replace them by GroupNorm or LayerNorm, which use no batch statistics at all.";
        }
        return new StatsAdvice(recalibrate, freeze, note);
    }

    /// <summary>Single-quotes a word for a POSIX shell when it needs it.</summary>
    public static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ',' or ':' or '+')
            ? s
            : "'" + s.Replace("'", "'\\''") + "'";
}
