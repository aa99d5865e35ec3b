using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Concat along 'axis' (negative from opset 11); any element type; empty inputs allowed.</summary>
internal sealed class Concat : IOperator
{
    private readonly long _axis;

    private Concat(long axis) => _axis = axis;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("axis");
        if (!n.Has("axis") && n.Opset >= 4) throw n.Error("'axis' attribute is required");
        return new Concat(n.Int("axis", 1));
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var inputs = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).Where(t => t is not null).Select(t => t!).ToArray();
        if (inputs.Length == 0) throw new BadInputException($"{desc}: no inputs");
        var first = inputs[0];
        int axis = Shapes.Axis(_axis, first.Rank, desc);
        var shape = OutputShape(inputs, axis, desc);
        var y = ctx.Output(0, first.ElementType, shape);
        long outer = Shapes.Size(shape, 0, axis), inner = Shapes.Size(shape, axis + 1);
        long yRow = shape[axis] * inner;
        var sources = Array.ConvertAll(inputs, t => t.Buffer);
        var rows = Array.ConvertAll(inputs, t => t.Shape[axis] * inner);
        // DenseNet concatenates megabytes per layer: large copies split into output ranges across threads.
        ParallelRanges.Run(y.Length, ParallelWork.CopiedValueCost, ctx.Kernels, new OutputRange(sources, rows, yRow, y.Buffer));
    }

    /// <summary>The inputs' shape with their sizes along the axis summed; checks they agree off the axis and in type.</summary>
    internal static long[] OutputShape(TensorValue[] inputs, int axis, string desc)
    {
        var first = inputs[0];
        var shape = (long[])first.Shape.Clone();
        shape[axis] = 0;
        foreach (var t in inputs)
        {
            if (t.Rank != first.Rank || t.ElementType != first.ElementType) throw new BadInputException($"{desc}: inputs differ in rank or element type");
            for (int d = 0; d < t.Rank; d++)
                if (d != axis && t.Shape[d] != first.Shape[d]) throw new BadInputException($"{desc}: input shapes {Shapes.Format(first.Shape)} and {Shapes.Format(t.Shape)} differ off the axis");
            shape[axis] += t.Shape[axis];
        }
        return shape;
    }

    // Output elements [first, first + count): each output row is the inputs' rows side by side, so a range is the
    // pieces of input rows it overlaps, each one Array.Copy.
    private readonly struct OutputRange(Array[] sources, long[] rows, long yRow, Array y) : IRangeWork
    {
        public void Run(int first, int count)
        {
            long at = first, end = (long)first + count;
            while (at < end)
            {
                long o = at / yRow, within = at % yRow, start = 0;
                int k = 0;
                while (start + rows[k] <= within) start += rows[k++];
                long length = Math.Min(start + rows[k] - within, end - at);
                Array.Copy(sources[k], o * rows[k] + within - start, y, at, length);
                at += length;
            }
        }
    }
}
