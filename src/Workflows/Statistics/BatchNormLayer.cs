using OnnxNorm.Ir;

namespace OnnxNorm.Workflows.Statistics;

/// <summary>
/// One inference-mode BatchNormalization of the main graph as the statistics tools see it: the value it
/// normalises, its stored running statistics and epsilon, and its level (1 + the largest level of the BN
/// layers upstream of it; a level-1 layer sees the data through no other BN).
/// </summary>
public sealed class BatchNormLayer
{
    private BatchNormLayer(int ordinal, Node node, string inputName, double[] mean, double[] variance, double epsilon, int level)
    {
        Ordinal = ordinal; Node = node; InputName = inputName; RunningMean = mean; RunningVar = variance; Epsilon = epsilon; Level = level;
    }

    /// <summary>Position among the main graph's BN nodes in file order: the same in every copy of the model.</summary>
    public int Ordinal { get; }
    /// <summary>The BatchNormalization node.</summary>
    public Node Node { get; }
    /// <summary>The node's name, or "BatchNormalization #ordinal" when it has none.</summary>
    public string Label => Node.Name.Length > 0 ? Node.Name : $"BatchNormalization #{Ordinal}";
    /// <summary>The value the BN normalises.</summary>
    public string InputName { get; }
    /// <summary>The stored running mean per channel.</summary>
    public double[] RunningMean { get; }
    /// <summary>The stored running variance per channel.</summary>
    public double[] RunningVar { get; }
    /// <summary>The BN's epsilon.</summary>
    public double Epsilon { get; }
    /// <summary>1 + the most BN layers on any path from the inputs to this one.</summary>
    public int Level { get; }
    /// <summary>The channel count.</summary>
    public int Channels => RunningMean.Length;

    /// <summary>
    /// The BN layers of the main graph, in file order. A BN whose statistics are not constant tensors
    /// cannot be compared and is reported in <paramref name="skipped"/>.
    /// </summary>
    public static IReadOnlyList<BatchNormLayer> InMainGraph(Model model, List<string> skipped)
    {
        var g = model.Graph;
        var bnNodes = g.Nodes.Where(BatchNormMode.IsBatchNorm).ToList();
        var ordinal = bnNodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        // Level of the deepest BN upstream of each value, propagated in topological order.
        var depth = new Dictionary<Value, int>();
        var layers = new List<BatchNormLayer>();
        foreach (var node in g.TopologicalOrder())
        {
            int inDepth = 0;
            foreach (var v in node.Inputs)
                if (v is not null && depth.TryGetValue(v, out int d)) inDepth = Math.Max(inDepth, d);
            int outDepth = inDepth;
            if (BatchNormMode.IsBatchNorm(node))
            {
                var layer = TryCreate(node, ordinal[node], inDepth + 1, skipped);
                if (layer is not null) { layers.Add(layer); outDepth = layer.Level; }
            }
            foreach (var o in node.Outputs)
                if (o is not null) depth[o] = outDepth;
        }
        return layers.OrderBy(l => l.Ordinal).ToList();
    }

    private static BatchNormLayer? TryCreate(Node bn, int ordinal, int level, List<string> skipped)
    {
        string label = bn.Name.Length > 0 ? bn.Name : $"BatchNormalization #{ordinal}";
        var x = bn.Input(0);
        var mean = Graph.TryGetConstant(bn.Input(3));
        var variance = Graph.TryGetConstant(bn.Input(4));
        if (x is null || mean is null || variance is null || mean.ElementCount != variance.ElementCount)
        {
            skipped.Add($"{label}: its running mean/var are not constant tensors of one length; not checked");
            return null;
        }
        if (BatchNormMode.Of(bn).IsTraining)
        {
            skipped.Add($"{label}: in training mode (it computes batch statistics); freeze it first; not checked");
            return null;
        }
        if (bn.Opset < 9 && bn.GetInt("spatial", 1) == 0)
        {
            skipped.Add($"{label}: spatial=0 (per-activation statistics) is not supported; not checked");
            return null;
        }
        return new BatchNormLayer(ordinal, bn, x.Name, mean.ToDoubles(), variance.ToDoubles(), bn.GetFloat("epsilon", 1e-5f), level);
    }

    /// <summary>
    /// Replaces the running statistics of this layer's node in <paramref name="model"/> (the node with the
    /// same ordinal, so it works on another copy of the model). New initializers are added, never written
    /// over: another node may share the old tensors. Old ones nothing reads any more are removed.
    /// </summary>
    public void WriteStatistics(Model model, double[] mean, double[] variance)
    {
        var g = model.Graph;
        var node = g.Nodes.Where(BatchNormMode.IsBatchNorm).ElementAt(Ordinal);
        Replace(g, node, 3, mean, "running_mean");
        Replace(g, node, 4, variance, "running_var");
    }

    private static void Replace(Graph g, Node node, int index, double[] values, string suffix)
    {
        var old = node.Input(index)!;
        var type = old.ElementType == ElementType.Undefined ? ElementType.Float : old.ElementType;
        string hint = node.Name.Length > 0 ? $"{node.Name}.{suffix}" : old.Name;
        var fresh = g.AddInitializer(hint, Tensor.FromDoubles(hint, type, new long[] { values.Length }, values));
        node.SetInput(index, fresh);
        if (old.IsInitializer && old.Owner == g && old.Uses.Count == 0 && !old.IsGraphOutput && !old.IsGraphInput)
        {
            string name = old.Name;
            g.RemoveInitializer(old);
            // Keep the tensor name the user knows when it is free again.
            if (g.Find(name) is null) g.Rename(fresh, name);
        }
    }
}
