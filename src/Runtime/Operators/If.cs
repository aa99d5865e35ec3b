using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// If: runs the then_branch or else_branch plan (both compiled once). The branches read values of enclosing
/// scopes through the node's extra inputs (the plan adds them). Outputs are copied out of the branch.
/// </summary>
internal sealed class If : IOperator
{
    private readonly ExecutionPlan _then, _else;
    private readonly Dictionary<Value, int> _capturedInput;

    private If(ExecutionPlan thenPlan, ExecutionPlan elsePlan, Dictionary<Value, int> captured)
    {
        _then = thenPlan;
        _else = elsePlan;
        _capturedInput = captured;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("then_branch", "else_branch");
        if (!n.Node.Subgraphs.TryGetValue("then_branch", out var t) || !n.Node.Subgraphs.TryGetValue("else_branch", out var e))
            throw n.Error("then_branch and else_branch are required");
        var captured = new Dictionary<Value, int>();
        for (int i = 0; i < n.CapturedValues.Count; i++) captured[n.CapturedValues[i]] = n.Node.Inputs.Count + i;
        var thenPlan = n.Builder.Build(t);
        var elsePlan = n.Builder.Build(e);
        if (thenPlan.Outputs.Length != n.Node.Outputs.Count || elsePlan.Outputs.Length != n.Node.Outputs.Count)
            throw n.Error($"the branches have {thenPlan.Outputs.Length} and {elsePlan.Outputs.Length} outputs, the node {n.Node.Outputs.Count}");
        return new If(thenPlan, elsePlan, captured);
    }

    public void Run(OpContext ctx)
    {
        var cond = ctx.Required(0);
        if (cond.Length != 1 || cond.Buffer is not bool[] cb) throw new BadInputException($"{ctx.Node.Describe()}: cond must be a single bool");
        var plan = cb[0] ? _then : _else;
        var slots = new TensorValue?[plan.SlotCount];
        foreach (var (v, slot) in plan.Captured)
        {
            if (!_capturedInput.TryGetValue(v, out int i)) throw new InvalidOperationException($"branch reads '{v.Name}', which the If node does not pass in");
            slots[slot] = ctx.Input(i);
        }
        Executor.Run(plan, slots, ctx.Pool, ctx.Options);
        for (int o = 0; o < plan.Outputs.Length; o++)
        {
            var t = slots[plan.Outputs[o].Slot] ?? throw new InvalidOperationException("branch output missing");
            var y = ctx.Output(o, t.ElementType, t.Shape);
            Array.Copy(t.Buffer, y.Buffer, t.Length);
        }
        var returned = new HashSet<Array>(ReferenceEqualityComparer.Instance);
        for (int o = 0; o < plan.Outputs.Length; o++)
            if (plan.OutputOwned[o] && slots[plan.Outputs[o].Slot] is { } t && returned.Add(t.Buffer)) ctx.Return(t);
    }
}
