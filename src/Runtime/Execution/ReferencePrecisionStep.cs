using OnnxNorm.Ir;
using OnnxNorm.Runtime.Operators;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Wraps one node's operator in the float64 reference modes (<see cref="ExecutionPrecision.Float64"/> and
/// <see cref="ExecutionPrecision.Declared"/>). Every floating-point value reaching the node is already double, so
/// the operator's own double path computes it; this wrapper handles what would leave double: a Cast to a float type
/// becomes a cast to double (Declared: rounded to the target type first), a float32/float16/bfloat16 output an op
/// makes from attributes (ConstantOfShape, EyeLike) is widened, and in Declared mode every double output is rounded
/// to the type the model declares for it.
/// </summary>
internal sealed class ReferencePrecisionStep : IOperator
{
    private readonly IOperator _inner;
    private readonly ExecutionPrecision _precision;
    private readonly ElementType[] _declared;
    private readonly ElementType? _castTo;

    public ReferencePrecisionStep(IOperator inner, Node node, ExecutionPrecision precision, ElementType[] declaredOutputs)
    {
        _inner = inner;
        _precision = precision;
        _declared = declaredOutputs;
        if (node.Domain == "" && node.OpType == "Cast" && (ElementType)node.GetInt("to", 0) is var to && IsReal(to)) _castTo = to;
    }

    /// <summary>float32, float16, bfloat16 or double: the types the reference holds as double.</summary>
    public static bool IsReal(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    public void Run(OpContext ctx)
    {
        if (_castTo is { } to)
        {
            var x = ctx.Required(0);
            var y = ctx.Output(0, ElementType.Double, x.Shape);
            Cast.Convert(x, y);
            if (_precision == ExecutionPrecision.Declared) RoundTo(y, to);
            return;
        }
        var outputs = new TensorValue?[ctx.OutputCount];
        var inputs = new TensorValue?[ctx.InputCount];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = ctx.Input(i);
        ctx.Override(inputs, outputs);
        try { _inner.Run(ctx); }
        finally { ctx.Override(null, null); }
        for (int i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            if (o is null) continue;
            if (o.ElementType is ElementType.Float or ElementType.Float16 or ElementType.BFloat16)
            {
                var wide = ctx.Output(i, ElementType.Double, o.Shape);
                Cast.Convert(o, wide);
                o = wide;
            }
            else ctx.SetOutput(i, o);
            if (_precision == ExecutionPrecision.Declared && o.ElementType == ElementType.Double && i < _declared.Length)
                RoundTo(o, _declared[i]);
        }
    }

    /// <summary>Rounds every element of a double tensor to <paramref name="type"/> (kept as double).</summary>
    public static void RoundTo(TensorValue t, ElementType type)
    {
        var v = t.AsSpan<double>();
        switch (type)
        {
            case ElementType.Float: for (int i = 0; i < v.Length; i++) v[i] = (float)v[i]; break;
            case ElementType.Float16: for (int i = 0; i < v.Length; i++) v[i] = (double)(Half)v[i]; break;
            case ElementType.BFloat16: for (int i = 0; i < v.Length; i++) v[i] = FloatBits.BFloat16ToSingle(FloatBits.DoubleToBFloat16(v[i])); break;
        }
    }
}
