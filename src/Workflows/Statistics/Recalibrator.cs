using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// Re-estimates BN running statistics from data (what NNCF's BN adaptation and torch's update_bn do), level
/// by level. Level k holds the layers with k−1 BN layers on their deepest path from the inputs; their inputs
/// only depend on layers of lower levels. So one pass per level, with every lower level already rewritten,
/// measures each layer exactly as the recalibrated model will feed it: the inference-mode model with correct
/// upstream statistics, not the activations of the old ones. (Running upstream BNs on per-batch statistics
/// instead would need one pass but measures a different network, and breaks down with small batches.) The
/// variance written is the population variance (divide by N), which is what ONNX inference BN divides by.
/// </summary>
public static class Recalibrator
{
    /// <summary>
    /// Rewrites the statistics of every layer up to <paramref name="maxLevel"/> in <paramref name="model"/>,
    /// and returns, per layer ordinal, the data moments it was given. <paramref name="levelOne"/> may carry
    /// moments already measured on this model (level-1 inputs do not depend on any BN), saving a pass.
    /// </summary>
    public static Dictionary<int, ChannelMomentsAccumulator> Run(ActivationEngineFactory factory, Model model,
        IReadOnlyList<BatchNormLayer> layers, CalibrationData data, int maxLevel = int.MaxValue,
        IReadOnlyDictionary<string, ChannelMomentsAccumulator>? levelOne = null, StatisticsCollector.ProgressCallback? progress = null)
    {
        var result = new Dictionary<int, ChannelMomentsAccumulator>();
        int top = Math.Min(maxLevel, layers.Count == 0 ? 0 : layers.Max(l => l.Level));
        for (int level = 1; level <= top; level++)
        {
            var atLevel = layers.Where(l => l.Level == level).ToList();
            if (atLevel.Count == 0) continue;
            IReadOnlyDictionary<string, ChannelMomentsAccumulator> moments = level == 1 && levelOne is not null
                ? levelOne
                : StatisticsCollector.Collect(factory, model, atLevel, data, $"level {level}/{top}", progress).ByInput;
            foreach (var layer in atLevel)
            {
                var acc = moments[layer.InputName];
                result[layer.Ordinal] = acc;
                var mean = new double[layer.Channels];
                var variance = new double[layer.Channels];
                for (int c = 0; c < layer.Channels; c++)
                {
                    mean[c] = acc[c].Mean;
                    variance[c] = acc[c].PopulationVariance;
                }
                layer.WriteStatistics(model, mean, variance);
            }
        }
        return result;
    }
}
