using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// The activation a step's output feeds, run inside that step: a Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid or
/// HardSwish node, PyTorch's SiLU (Sigmoid and Mul both reading the output) or HardSwish written out in elementwise
/// ops (<see cref="DecomposedHardSwishFusion"/>). Never across a value an observer watches or a graph output.
/// </summary>
internal sealed class ActivationFusion(KernelRegistry registry, IExecutionObserver? observer, Func<Value, TensorValue?> constantOf)
{
    /// <summary>The absorbed nodes in order (the last one's output is the step's) and the activation they compute.</summary>
    public sealed record Match(Node[] Absorbed, Activation Activation);

    /// <summary>Whether a node may be absorbed after a step in <paramref name="owner"/>: same graph, supported, output not watched.</summary>
    public bool Fusable(Node n, Graph? owner) =>
        n.Owner == owner && n.Domain == "" && registry.Supports(n.Domain, n.OpType, n.Opset) && !(observer is { } obs && obs.Wants(n, 0));

    /// <param name="tail">The node whose output the step writes so far (a Conv, or the last node folded into it).</param>
    /// <param name="isFloat">Whether the step computes in float32: a float16/double step rounds its output, and only
    /// Relu/Clip/LeakyRelu commute with that rounding.</param>
    /// <param name="rank">The output's rank (constants of higher rank would broadcast it to a new shape).</param>
    public Match? Find(Node tail, bool isFloat, int rank)
    {
        var y = tail.Output(0);
        if (y is null || y.IsGraphOutput || tail.Outputs.Count(o => o is { Name.Length: > 0 }) != 1) return null;
        if (observer is { } obs && obs.Wants(tail, 0)) return null;
        if (y.Uses.Count == 2 && isFloat) return Swish(tail, y) ?? HardSwishOps(tail, y, rank);
        if (y.Uses.Count != 1) return null;
        var use = y.Uses[0];
        var n = use.Node;
        // The step writes the activation's output, so an observer watching it still sees it.
        if (use.Index != 0 || n.Owner != tail.Owner || n.Domain != "" || n.Outputs.Count != 1) return null;
        if (!registry.Supports(n.Domain, n.OpType, n.Opset)) return null;
        Activation act;
        switch (n.OpType)
        {
            case "Sigmoid" when isFloat:
                act = new Activation(FusedActivation.Sigmoid);
                break;
            case "HardSwish" when isFloat:
                act = new Activation(FusedActivation.HardSwish);
                break;
            case "HardSigmoid" when isFloat:
                act = Activation.HardSigmoid(n.GetFloat("alpha", 0.2f), n.GetFloat("beta", 0.5f));
                break;
            case "Relu":
                act = Activation.Relu;
                break;
            case "LeakyRelu":
                act = new Activation(FusedActivation.LeakyRelu, Alpha: n.GetFloat("alpha", 0.01f));
                break;
            case "Clip":
                float min, max;
                if (n.Opset < 11)
                {
                    min = n.GetFloat("min", float.NegativeInfinity);
                    max = n.GetFloat("max", float.PositiveInfinity);
                }
                else
                {
                    if (!ScalarConstant(n, 1, float.NegativeInfinity, out min) || !ScalarConstant(n, 2, float.PositiveInfinity, out max)) return null;
                }
                if (float.IsNaN(min) || float.IsNaN(max) || min > max) return null;
                act = new Activation(FusedActivation.Clip, Min: min, Max: max);
                break;
            default:
                return null;
        }
        return new Match(new[] { n }, act);
    }

    // y read by exactly a Sigmoid s and a Mul(y, s) (either order), s read by that Mul only: SiLU, as PyTorch exports it.
    private Match? Swish(Node tail, Value y)
    {
        var a = y.Uses[0].Node;
        var b = y.Uses[1].Node;
        var s = a.OpType == "Sigmoid" ? a : b.OpType == "Sigmoid" ? b : null;
        var m = ReferenceEquals(s, a) ? b : a;
        if (s is null || m.OpType != "Mul" || ReferenceEquals(s, m)) return null;
        foreach (var n in new[] { s, m })
            if (n.Owner != tail.Owner || n.Domain != "" || n.Outputs.Count != 1 || !registry.Supports(n.Domain, n.OpType, n.Opset)) return null;
        var sy = s.Output(0);
        if (s.Inputs.Count != 1 || sy is null || sy.IsGraphOutput || sy.Uses.Count != 1 || !ReferenceEquals(sy.Uses[0].Node, m)) return null;
        if (m.Inputs.Count != 2 || !(ReferenceEquals(m.Input(0), y) && ReferenceEquals(m.Input(1), sy) || ReferenceEquals(m.Input(0), sy) && ReferenceEquals(m.Input(1), y))) return null;
        if (observer is { } obs && obs.Wants(s, 0)) return null;
        return new Match(new[] { s, m }, new Activation(FusedActivation.Swish));
    }

    // y read by exactly the Add(y, 3) and the Mul(y, ·) of a written-out HardSwish.
    private Match? HardSwishOps(Node tail, Value y, int rank)
    {
        var add = y.Uses.Select(u => u.Node).FirstOrDefault(n => n.OpType == "Add");
        return add is null ? null : DecomposedHardSwishFusion.Find(add, y, rank, constantOf, n => Fusable(n, tail.Owner));
    }

    private bool ScalarConstant(Node n, int i, float fallback, out float value)
    {
        value = fallback;
        var v = n.Input(i);
        if (v is null || v.Name.Length == 0) return true;
        if (constantOf(v) is not { Length: 1 } c) return false;
        value = (float)c.ToDoubles()[0];
        return true;
    }
}
