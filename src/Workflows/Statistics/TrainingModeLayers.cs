using OnnxNorm.Ir;
using OnnxNorm.Passes;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>How check-stats and recalibrate treat training-mode BN layers before a data pass.</summary>
internal static class TrainingModeLayers
{
    /// <summary>
    /// Training-mode BNs normalise by the batch, so their running statistics would never be used; the
    /// statistics tools look at the model as it will be deployed, with those layers frozen (freeze-bn).
    /// </summary>
    public static int Freeze(Model model, List<string> warnings)
    {
        var result = new FreezeBatchNormPass().Run(model);
        int frozen = result.Diagnostics.Count(d => d.Code == FreezeCodes.Frozen);
        if (frozen > 0)
            warnings.Add($"{frozen} training-mode BN layer(s) were measured as if frozen to inference mode (as freeze-bn does): "
                + "in training mode they normalise each batch by its own statistics, and a batch of 1 with 1x1 spatial size then has zero variance (the output is just the bias)");
        foreach (var d in result.Diagnostics.Where(d => d.Code is FreezeCodes.DefaultStatistics or FreezeCodes.StatisticsNotConstant))
            warnings.Add($"{d.NodeName}: {d.Message}");
        return frozen;
    }
}
