using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Execution;

// What each step absorbs when the plan is built: the plan-time fusions, one matcher per file beside this one
// (ConvBatchNormFolding, ConvAffineFolding, ResidualAddFusion, ActivationFusion, DecomposedHardSwishFusion, MatMulEpilogueFusion,
// ConcatBatchNormFusion); here, which applies to which node.
internal sealed partial class PlanBuilder
{
    /// <summary>
    /// What a step absorbs: for a Conv, the BN after it and the per-channel constant Mul/Add after that (folded into its
    /// constants), then a residual Add, then the activation; for a MatMul, its bias Add (a constant in place of input
    /// <see cref="Operators.MatMul.BiasInput"/>) and GELU; for a standalone BN, its Relu. Output is the node whose
    /// output the step writes (null: the node's own); Replacement, an operator run in place of the node's own (a
    /// written-out HardSwish that follows no Conv; a Concat and the BN after it), profiled as ProfileKey.
    /// </summary>
    /// Residual: a Conv step's fused Add's other operand (ResidualAddFusion), fed as input Conv.ResidualInput.
    private sealed record StepFusion(Dictionary<int, TensorValue>? FoldedConstants, Node? Output, Activation FusedActivation, Node[] Absorbed,
        IOperator? Replacement = null, string? ProfileKey = null, Value? Residual = null);

    private static readonly StepFusion NoFusion = new(null, null, Kernels.Activation.None, Array.Empty<Node>());

    private ActivationFusion Activations => _activations ??= new ActivationFusion(_registry, _options.Observer, ConstantOf);
    private ActivationFusion? _activations;

    private StepFusion PlanFusion(Node node)
    {
        if (Reference || node.Domain != "") return NoFusion;
        return node.OpType switch
        {
            "Conv" => ConvFusion(node),
            "MatMul" => MatMulFusion(node),
            "BatchNormalization" => BatchNormReluFusion(node),
            "Add" => StandaloneHardSwish(node),
            "Concat" => ConcatBatchNormStep(node),
            _ => NoFusion,
        };
    }

    private StepFusion ConvFusion(Node node)
    {
        var absorbed = new List<Node>();
        Node tail = node;
        Dictionary<int, TensorValue>? folded = null;
        if (_options.FoldBatchNorm && ConvBatchNormFolding.TryFold(node, _options.Observer, out var bn, out var constants))
        {
            (tail, folded) = (bn, constants);
            absorbed.Add(bn);
        }
        bool Foldable(Node before, Node next) => next.Owner == node.Owner && _registry.Supports(next.Domain, next.OpType, next.Opset)
            && !(_options.Observer is { } obs && obs.Wants(before, 0));
        if (_options.FoldBatchNorm && ConvAffineFolding.TryFold(node, tail, folded, ConstantOf, Foldable) is { } affine)
        {
            (tail, folded) = (affine.Absorbed[^1], affine.Constants);
            absorbed.AddRange(affine.Absorbed);
        }
        int rank = node.Input(1) is { Name.Length: > 0 } w && ConstantOf(w) is { } wt ? wt.Rank : 0;
        // The residual is added in float32 after the float32 Conv's rounding, in the GEMM's epilogue (not the
        // depthwise kernel's: grouped Convs keep their Add).
        Value? residual = null;
        if (_options.FuseActivations && IsFloatConv(node) && node.GetInt("group", 1) == 1 && !(_options.Observer is { } watcher && watcher.Wants(tail, 0))
            && ResidualAddFusion.Find(tail, ConstantOf, n => Activations.Fusable(n, node.Owner), v => ComputedBefore(v, node)) is { } res)
        {
            (tail, residual) = (res.Add, res.Residual);
            absorbed.Add(res.Add);
        }
        if (!_options.FuseActivations || Activations.Find(tail, IsFloatConv(node), rank) is not { } act)
            return new StepFusion(folded, ReferenceEquals(tail, node) ? null : tail, Kernels.Activation.None, absorbed.ToArray(), Residual: residual);
        absorbed.AddRange(act.Absorbed);
        return new StepFusion(folded, act.Absorbed[^1], act.Activation, absorbed.ToArray(), Residual: residual);
    }

    // Whether v is computed before the step of `node` runs: a graph input or constant, or the output of a node
    // earlier in the topological order the plan runs (whose step, its own or the one that absorbed it, is earlier still).
    private bool ComputedBefore(Value v, Node node)
    {
        if (v.Producer is not { } p) return true;
        if (p.Owner != node.Owner) return true; // a value from an enclosing scope
        if (!_positions.TryGetValue(node.Owner, out var order))
        {
            order = new Dictionary<Node, int>();
            foreach (var n in node.Owner.TopologicalOrder()) order[n] = order.Count;
            _positions[node.Owner] = order;
        }
        return order[p] < order[node];
    }

    private readonly Dictionary<Graph, Dictionary<Node, int>> _positions = new();

    private StepFusion MatMulFusion(Node node)
    {
        if (!_options.FuseActivations || _options.Observer is { } observer && observer.Wants(node, 0)) return NoFusion;
        if (MatMulEpilogueFusion.Find(node, ConstantOf, n => Activations.Fusable(n, node.Owner)) is not { } match) return NoFusion;
        return new StepFusion(new Dictionary<int, TensorValue> { [Operators.MatMul.BiasInput] = match.Bias }, match.Output, match.Activation, match.Absorbed);
    }

    // A standalone inference BN (one that follows no Conv: pre-activation networks) and the Relu that alone reads it.
    private StepFusion BatchNormReluFusion(Node bn)
    {
        if (!_options.FuseActivations || BatchNormMode.Of(bn).IsTraining || bn.Outputs.Count(o => o is { Name.Length: > 0 }) != 1) return NoFusion;
        if (Activations.Find(bn, isFloat: false, rank: 0) is not { Activation.Kind: Kernels.FusedActivation.Relu } relu) return NoFusion;
        return new StepFusion(null, relu.Absorbed[^1], relu.Activation, relu.Absorbed);
    }

    // Add(x, 3) starting a written-out HardSwish on a value no Conv step produces: one elementwise step.
    private StepFusion StandaloneHardSwish(Node add)
    {
        if (!_options.FuseActivations || add.Inputs.Count != 2) return NoFusion;
        for (int i = 0; i < 2; i++)
        {
            if (add.Input(i) is not { Name.Length: > 0 } x || ConstantOf(x) is not null) continue;
            int rank = x.Shape?.Length ?? 0;
            if (DecomposedHardSwishFusion.Find(add, x, rank, ConstantOf, n => Activations.Fusable(n, add.Owner)) is not { } match) continue;
            return new StepFusion(null, match.Absorbed[^1], match.Activation, match.Absorbed[1..], new Operators.ElementwiseActivation(match.Activation, i), "HardSwish (written out)");
        }
        return NoFusion;
    }

    // A Concat that only an inference BN reads, and the Relu after that BN: one pass from the Concat's inputs.
    private StepFusion ConcatBatchNormStep(Node concat)
    {
        if (!_options.FuseActivations || ConcatBatchNormFusion.Find(concat, ConstantOf, n => Activations.Fusable(n, concat.Owner), _options.Observer) is not { } m) return NoFusion;
        var relu = Activations.Find(m.BatchNorm, isFloat: false, rank: 0) is { Activation.Kind: Kernels.FusedActivation.Relu } r ? r.Absorbed[0] : null;
        var act = relu is null ? Kernels.Activation.None : Kernels.Activation.Relu;
        var concatOp = CreateOperator(FindOperator(concat), new NodeInfo(concat, ConstantOf, this, Kernels.Activation.None), concat);
        var bnOp = CreateOperator(FindOperator(m.BatchNorm), new NodeInfo(m.BatchNorm, ConstantOf, this, act), m.BatchNorm);
        var absorbed = relu is null ? new[] { m.BatchNorm } : new[] { m.BatchNorm, relu };
        return new StepFusion(null, absorbed[^1], act, absorbed, new Operators.ConcatBatchNorm(concatOp, bnOp, m.Constants, m.A, m.B, relu is not null), "Concat+BatchNormalization");
    }

    // A float16/double Conv computes in float32 and rounds its output: only Relu/Clip/LeakyRelu commute with that
    // rounding, so the other activations fuse into float32 Convs only.
    private bool IsFloatConv(Node conv) =>
        conv.Input(1) is { Name.Length: > 0 } w && ConstantOf(w) is { ElementType: ElementType.Float };
}
