using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>
/// A Mul, Add, Sub or Div of a run-time value by a per-channel constant, read as y = x·Scale + Shift along
/// one axis: Mul(x, c) scales by c, Add(x, c) shifts by c, Sub(x, c) shifts by −c, Sub(c, x) scales by −1 and
/// shifts by c, Div(x, c) scales by 1/c. Div(c, x) is not affine.
/// </summary>
internal sealed record ElementwiseAffine(Node Node, int DataIndex, double[] Scale, double[] Shift, PerChannelConstant Constant)
{
    public Value Data => Node.Input(DataIndex)!;

    public static bool IsCandidate(Node n) =>
        n.Domain == "" && n.OpType is "Mul" or "Add" or "Sub" or "Div" && n.Inputs.Count == 2 && n.Outputs.Count == 1;

    /// <summary>
    /// The affine map, or null: with no refusal when the node is not "run-time value op constant" at all
    /// (a residual Add of two activations is simply not an affine), with one when it is but cannot be used.
    /// </summary>
    public static ElementwiseAffine? TryRead(Node n, out FoldRefusal? refusal)
    {
        refusal = null;
        if (!IsCandidate(n)) return null;
        var c0 = Graph.TryGetConstant(n.Input(0));
        var c1 = Graph.TryGetConstant(n.Input(1));
        if ((c0 is null) == (c1 is null) || n.Input(0) is null || n.Input(1) is null) return null;
        int data = c0 is null ? 0 : 1;
        var c = (c0 ?? c1)!;
        if (n.OpType == "Div" && data == 1) return null;
        var pc = PerChannelConstant.Of(c);
        if (pc is null)
        {
            refusal = new(c.ElementType.IsFloatingPoint() ? FoldRefusalCodes.NotPerChannel : FoldRefusalCodes.UnsupportedDtype, DiagnosticSeverity.Info,
                c.ElementType.IsFloatingPoint()
                    ? $"its constant '{n.Input(1 - data)!.Name}' of shape [{string.Join(", ", c.Dims)}] varies along more than one axis"
                    : $"its constant '{n.Input(1 - data)!.Name}' is {c.ElementType.Name()}");
            return null;
        }
        double[] one = { 1.0 }, zero = { 0.0 };
        var v = pc.Values;
        return n.OpType switch
        {
            "Mul" => new(n, data, v, zero, pc),
            "Add" => new(n, data, one, v, pc),
            "Sub" when data == 0 => new(n, data, one, v.Select(x => -x).ToArray(), pc),
            "Sub" => new(n, data, new[] { -1.0 }, v, pc),
            _ => new(n, data, v.Select(x => 1.0 / x).ToArray(), zero, pc),
        };
    }
}
