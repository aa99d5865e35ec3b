using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Not (bool), IsNaN and IsInf (detect_negative/detect_positive): elementwise tests with a bool result.</summary>
internal sealed class Predicates : IOperator
{
    private readonly string _op;
    private readonly bool _neg, _pos;

    private Predicates(string op, bool neg, bool pos)
    {
        _op = op;
        _neg = neg;
        _pos = pos;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("detect_negative", "detect_positive");
        return new Predicates(n.Node.OpType, n.Int("detect_negative", 1) != 0, n.Int("detect_positive", 1) != 0);
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var y = (bool[])ctx.Output(0, ElementType.Bool, x.Shape).Buffer;
        if (_op == "Not")
        {
            var a = x.Buffer as bool[] ?? throw new BadInputException($"{ctx.Node.Describe()}: Not needs a bool tensor");
            for (int i = 0; i < x.Length; i++) y[i] = !a[i];
            return;
        }
        if (!Shapes.IsFloat(x.ElementType)) throw new BadInputException($"{ctx.Node.Describe()}: {_op} needs a floating-point tensor");
        var v = x.ToDoubles();
        for (int i = 0; i < v.Length; i++)
            y[i] = _op == "IsNaN" ? double.IsNaN(v[i]) : (_pos && double.IsPositiveInfinity(v[i])) || (_neg && double.IsNegativeInfinity(v[i]));
    }
}
