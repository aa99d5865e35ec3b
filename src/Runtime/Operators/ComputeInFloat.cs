using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Runs a float32 operator on float16/bfloat16 (and, where an op has no double path, double) data: inputs of
/// those types are converted to float32, the op runs, and its float32 outputs are converted back.
/// </summary>
internal sealed class ComputeInFloat : IOperator, IHoldsConstantInputs
{
    private readonly IOperator _inner;
    private readonly bool _double;
    // float16/bfloat16 constant inputs (weights) widened once when the plan is built: widening is exact, so
    // this is the per-run conversion done ahead of time, and the inner op can pack float32 weights once.
    private readonly IReadOnlyDictionary<int, TensorValue> _widenedConstants;

    private ComputeInFloat(IOperator inner, bool includeDouble, IReadOnlyDictionary<int, TensorValue> widenedConstants)
    {
        _inner = inner;
        _double = includeDouble;
        _widenedConstants = widenedConstants;
    }

    public static OperatorFactory Wrap(OperatorFactory f, bool includeDouble = true) => n =>
    {
        var widened = WidenedConstants(n);
        var inner = f(widened.Count == 0 ? n : n.WithConstants(widened));
        // A widened constant the inner operator holds (packed) is not needed here either.
        if (inner is IHoldsConstantInputs held)
            foreach (int i in widened.Keys.Where(held.Holds).ToArray()) widened.Remove(i);
        return new ComputeInFloat(inner, includeDouble, widened);
    };

    public bool Holds(int input) => _inner is IHoldsConstantInputs held && held.Holds(input);

    private static Dictionary<int, TensorValue> WidenedConstants(NodeInfo n)
    {
        var widened = new Dictionary<int, TensorValue>();
        for (int i = 0; i < n.Node.Inputs.Count; i++)
        {
            if (n.Constant(i) is not { ElementType: ElementType.Float16 or ElementType.BFloat16 } c) continue;
            var f = TensorValue.Allocate(ElementType.Float, (long[])c.Shape.Clone());
            Cast.Convert(c, f);
            widened[i] = f;
        }
        return widened;
    }

    private bool Converts(ElementType t) => t is ElementType.Float16 or ElementType.BFloat16 || (_double && t == ElementType.Double);

    public void Run(OpContext ctx)
    {
        ElementType from = ElementType.Undefined;
        for (int i = 0; i < ctx.InputCount; i++)
            if (ctx.Input(i) is { } t && Converts(t.ElementType)) { from = t.ElementType; break; }
        if (from == ElementType.Undefined) { _inner.Run(ctx); return; }
        // The float64 reference must never compute anything in float32.
        if (from == ElementType.Double && ctx.Options.Precision != ExecutionPrecision.Native)
            throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} has no float64 kernel, so the reference mode cannot run it");

        var inputs = new TensorValue?[ctx.InputCount];
        var temps = new List<TensorValue>();
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = ctx.Input(i);
            if (t is not null && _widenedConstants.TryGetValue(i, out var widened)) t = widened;
            else if (t is not null && Converts(t.ElementType))
            {
                var f = ctx.Rent(ElementType.Float, t.Shape);
                Cast.Convert(t, f);
                temps.Add(f);
                t = f;
            }
            inputs[i] = t;
        }
        var outputs = new TensorValue?[ctx.OutputCount];
        ctx.Override(inputs, outputs);
        try { _inner.Run(ctx); }
        finally { ctx.Override(null, null); }
        for (int i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            if (o is null) continue;
            if (o.ElementType == ElementType.Float)
            {
                var r = ctx.Output(i, from, o.Shape);
                Cast.Convert(o, r);
                temps.Add(o);
            }
            else ctx.SetOutput(i, o);
        }
        foreach (var t in temps) ctx.Return(t);
    }
}
