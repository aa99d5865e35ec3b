using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A backward fold decided and computed, not yet applied: <see cref="Source"/> (a BN or a per-channel
/// Mul/Add/Sub/Div) and the per-channel nodes <see cref="Absorbed"/> on the way disappear; <see cref="Target"/>
/// gets new constants. A MatMul whose input is not 2-D cannot take a bias, so the shift becomes one Add
/// right after it (<see cref="AppendedBias"/>). Layout nodes on the path (Transpose, Reshape, Flatten) stay.
/// </summary>
internal sealed record AffineFoldPlan(
    Node Source,
    int SourceDataIndex,
    IReadOnlyList<(Node Node, int DataIndex)> Absorbed,
    Node Target,
    string TargetKind,
    IReadOnlyList<InputReplacement> Replacements,
    Action<Node>? EditTarget,
    Tensor? AppendedBias)
{
    /// <summary>The ops the fold went through, for the diagnostic ("through Add, Transpose").</summary>
    public IReadOnlyList<string> Path { get; init; } = Array.Empty<string>();

    public string Describe() =>
        $"folded into {Target.Describe()}{(Path.Count > 0 ? $" through {string.Join(", ", Path)}" : "")}";

    public void Apply()
    {
        var g = Target.Owner;
        foreach (var r in Replacements)
        {
            var old = Target.Input(r.Index);
            Target.SetInput(r.Index, GraphConstants.Add(g, r.NameHint, r.Tensor));
            GraphConstants.ReleaseIfUnused(old);
        }
        EditTarget?.Invoke(Target);
        if (AppendedBias is { } bias)
        {
            // Before the bypasses below: the target's output is still read only by the path.
            var y = Target.Output(0)!;
            string name = Target.Name.Length > 0 ? Target.Name : y.Name;
            var init = GraphConstants.Add(g, $"{name}.bias_affinefold", bias);
            var add = g.AddNode("Add", new[] { y, init }, 1, $"{name}.bias_add", position: g.Nodes.IndexOf(Target) + 1);
            foreach (var use in y.Uses.ToArray())
                if (use.Node != add) use.Node.SetInput(use.Index, add.Output(0));
        }
        Bypass(Source, SourceDataIndex);
        foreach (var (node, index) in Absorbed) Bypass(node, index);
    }

    /// <summary>Readers of the node's output read its data input instead; the node and its orphaned constants go.</summary>
    internal static void Bypass(Node node, int dataIndex)
    {
        var g = node.Owner;
        var x = node.Input(dataIndex)!;
        var parameters = node.Inputs.Where((v, i) => i != dataIndex && v is not null).Distinct().ToList();
        g.ReplaceAllUses(node.Output(0)!, x);
        g.RemoveNode(node);
        foreach (var p in parameters) GraphConstants.ReleaseIfUnused(p);
    }
}
