using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>Finds the BatchNormalization nodes of a model, subgraphs included, as a snapshot safe to rewrite while iterating.</summary>
public static class BatchNormNodes
{
    /// <summary>Every BatchNormalization node of <paramref name="model"/>, subgraphs included, as a new list.</summary>
    public static List<Node> In(Model model) => RewriteDriver.Walk(model).Where(BatchNormMode.IsBatchNorm).ToList();
}
