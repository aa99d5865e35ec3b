using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Split along 'axis': sizes from the 'split' attribute (before opset 13) or input (13+), or equal parts
/// (num_outputs from opset 18, the last part smaller when it does not divide).</summary>
internal sealed class Split : IOperator
{
    private readonly long _axis;
    private readonly long[]? _attrSplit;
    private readonly long _numOutputs;

    private Split(long axis, long[]? split, long numOutputs)
    {
        _axis = axis;
        _attrSplit = split;
        _numOutputs = numOutputs;
    }

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis", "split", "num_outputs");
        return new Split(n.Int("axis", 0), n.Opset < 13 ? n.Ints("split") : null, n.Int("num_outputs", n.Node.Outputs.Count));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        int axis = Shapes.Axis(_axis, x.Rank, desc);
        long dim = x.Shape[axis];
        int outputs = ctx.OutputCount;
        var sizes = _attrSplit ?? (ctx.Input(1) is { } s ? Shapes.Ints(s) : null);
        if (sizes is null)
        {
            long parts = _numOutputs;
            long each = (dim + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) sizes[i] = Math.Max(0, Math.Min(each, dim - each * i));
            if (ctx.Node.Opset < 18 && dim % parts != 0) throw new BadInputException($"{desc}: dim {dim} does not split into {parts} equal parts");
        }
        if (sizes.Length != outputs || sizes.Sum() != dim || sizes.Any(v => v < 0))
            throw new BadInputException($"{desc}: split [{string.Join(',', sizes)}] does not fit dim {dim} into {outputs} outputs");
        long outer = Shapes.Size(x.Shape, 0, axis), inner = Shapes.Size(x.Shape, axis + 1);
        long at = 0;
        for (int i = 0; i < outputs; i++)
        {
            var shape = (long[])x.Shape.Clone();
            shape[axis] = sizes[i];
            var y = ctx.Output(i, x.ElementType, shape);
            long row = sizes[i] * inner;
            for (long o = 0; o < outer; o++) Array.Copy(x.Buffer, o * dim * inner + at, y.Buffer, o * row, row);
            at += row;
        }
    }
}
