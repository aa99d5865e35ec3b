using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Reshape (opset 1-4: 'shape' attribute; 5+: shape input; 14+: allowzero). 0 copies the input dim (unless
/// allowzero), -1 is inferred. The output is a view of the input's buffer (no copy).
/// </summary>
internal sealed class Reshape : IOperator
{
    private readonly long[]? _attrShape;
    private readonly bool _allowZero;

    private Reshape(long[]? attrShape, bool allowZero)
    {
        _attrShape = attrShape;
        _allowZero = allowZero;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("shape", "allowzero", "consumed_inputs");
        return new Reshape(n.Opset < 5 ? n.Ints("shape") ?? throw n.Error("'shape' attribute is required") : null, n.Int("allowzero", 0) != 0);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var spec = _attrShape ?? Shapes.Ints(ctx.Required(1));
        ctx.SetOutput(0, x.Reshaped(Resolve(ctx.Node.Describe(), x.Shape, spec, _allowZero, x.Length)));
    }

    public static long[] Resolve(string desc, long[] input, long[] spec, bool allowZero, long count)
    {
        var shape = new long[spec.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long d = spec[i];
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) throw new BadInputException($"{desc}: shape entry {i} is 0 but the input has only {input.Length} dims");
                d = input[i];
            }
            if (d == -1)
            {
                if (infer >= 0) throw new BadInputException($"{desc}: shape [{string.Join(',', spec)}] has more than one -1");
                infer = i;
                continue;
            }
            if (d < 0) throw new BadInputException($"{desc}: shape [{string.Join(',', spec)}] has a negative entry");
            shape[i] = d;
            known *= d;
        }
        if (infer >= 0)
        {
            if (known == 0 || count % known != 0) throw new BadInputException($"{desc}: cannot reshape {Shapes.Format(input)} to [{string.Join(',', spec)}]");
            shape[infer] = count / known;
        }
        else if (known != count) throw new BadInputException($"{desc}: cannot reshape {Shapes.Format(input)} ({count} elements) to [{string.Join(',', spec)}]");
        return shape;
    }
}
