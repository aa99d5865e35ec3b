using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>ConstantOfShape: a tensor of the given shape filled with 'value' (default float 0).</summary>
internal sealed class ConstantOfShape : IOperator
{
    private readonly TensorValue _value;

    private ConstantOfShape(TensorValue value) => _value = value;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("value");
        TensorValue v = n.Node.Attribute("value")?.Tensor is { } t
            ? TensorValue.FromTensor(t)
            : TensorValue.FromFloats(new long[] { 1 }, new[] { 0f });
        if (v.Length != 1) throw n.Error("'value' must hold one element");
        return new ConstantOfShape(v);
    }

    public void Run(OpContext ctx)
    {
        var shape = Shapes.Ints(ctx.Required(0));
        var y = ctx.Output(0, _value.ElementType, shape);
        var map = new int[y.Length];
        IndexCopy.Copy(_value.Buffer, y.Buffer, map);
    }
}
