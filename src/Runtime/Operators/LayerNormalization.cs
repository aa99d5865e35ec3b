using System.Runtime.Intrinsics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// LayerNormalization (opset 17): statistics over the dims from 'axis' on; Scale and B broadcast to those
/// dims; optional outputs Mean and InvStdDev with the normalised dims kept as 1.
/// </summary>
internal sealed class LayerNormalization : IOperator
{
    private readonly long _axis;
    private readonly float _epsilon;

    private LayerNormalization(long axis, float epsilon)
    {
        _axis = axis;
        _epsilon = epsilon;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("axis", "epsilon", "stash_type");
        if (n.Int("stash_type", 1) != 1) throw n.Error("stash_type other than 1 (float) is not supported");
        return new LayerNormalization(n.Int("axis", -1), n.Float("epsilon", 1e-5f));
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (x.ElementType is not (ElementType.Float or ElementType.Double)) throw new BadInputException($"{ctx.Node.Describe()}: LayerNormalization does not support {x.ElementType.Name()}");
        int axis = Shapes.Axis(_axis, x.Rank, ctx.Node.Describe());
        int blocks = (int)Shapes.Size(x.Shape, 0, axis), size = (int)Shapes.Size(x.Shape, axis);
        var normShape = x.Shape[axis..];
        if (x.ElementType == ElementType.Double) { RunDouble(ctx, x, axis, blocks, size, normShape); return; }
        var scale = Expand(ctx, ctx.Required(1), normShape);
        var bias = ctx.Input(2) is { } b ? Expand(ctx, b, normShape) : null;
        var y = ctx.Output(0, ElementType.Float, x.Shape);
        var xs = (float[])x.Buffer;
        var ys = (float[])y.Buffer;
        var mean = new float[blocks];
        var inv = new float[blocks];
        float epsilon = _epsilon;
        // Blocks split across threads (ConvNeXt normalises 3,136 rows of 96 per call); each block's arithmetic is its own.
        ParallelRanges.Run(blocks, (long)size * ParallelWork.NormalizedValueCost, ctx.Kernels, new Blocks(xs, ys, x.Length, size, epsilon, mean, inv, scale, bias));
        var statShape = x.Shape.Select((d, i) => i < axis ? d : 1).ToArray();
        if (ctx.WantsOutput(1)) mean.CopyTo(ctx.Output(1, ElementType.Float, statShape).AsSpan<float>());
        if (ctx.WantsOutput(2)) inv.CopyTo(ctx.Output(2, ElementType.Float, statShape).AsSpan<float>());
    }

    private readonly struct Blocks(float[] xs, float[] ys, int length, int size, float epsilon, float[] mean, float[] inv, float[] scale, float[]? bias)
        : IRangeWork
    {
        public void Run(int first, int count)
        {
            FloatBlockStatistics.BlockRange(xs.AsSpan(0, length), ys.AsSpan(0, length), first, count, size, epsilon, mean, inv);
            ScaleAndShift(ys, first, count, size, scale, bias);
        }
    }

    private static void ScaleAndShift(float[] ys, int first, int count, int size, float[] scale, float[]? bias)
    {
        for (int bl = first; bl < first + count; bl++)
        {
            var seg = ys.AsSpan(bl * size, size);
            int i = 0;
            // A multiply then an add, each rounded, as the scalar loop below (no fused multiply-add).
            if (Vector512.IsHardwareAccelerated)
                for (; i + 16 <= size; i += 16)
                {
                    var v = Vector512.Create(seg.Slice(i, 16)) * Vector512.Create(scale.AsSpan(i, 16));
                    if (bias is not null) v += Vector512.Create(bias.AsSpan(i, 16));
                    v.CopyTo(seg.Slice(i, 16));
                }
            if (Vector256.IsHardwareAccelerated)
                for (; i + 8 <= size; i += 8)
                {
                    var v = Vector256.Create(seg.Slice(i, 8)) * Vector256.Create(scale.AsSpan(i, 8));
                    if (bias is not null) v += Vector256.Create(bias.AsSpan(i, 8));
                    v.CopyTo(seg.Slice(i, 8));
                }
            if (bias is null) for (; i < size; i++) seg[i] *= scale[i];
            else for (; i < size; i++) seg[i] = seg[i] * scale[i] + bias[i];
        }
    }

    private void RunDouble(OpContext ctx, TensorValue x, int axis, int blocks, int size, long[] normShape)
    {
        var scale = ExpandDoubles(ctx, ctx.Required(1), normShape);
        var bias = ctx.Input(2) is { } b ? ExpandDoubles(ctx, b, normShape) : null;
        var y = ctx.Output(0, ElementType.Double, x.Shape);
        var (mean, inv) = Normalize.Blocks(x.AsSpan<double>(), y.AsSpan<double>(), blocks, size, _epsilon);
        var ys = y.AsSpan<double>();
        for (int bl = 0; bl < blocks; bl++)
        {
            var seg = ys.Slice(bl * size, size);
            for (int i = 0; i < size; i++) seg[i] = seg[i] * scale[i] + (bias is null ? 0 : bias[i]);
        }
        // The statistics outputs are float32 by the operator's definition (stash_type 1).
        var statShape = x.Shape.Select((d, i) => i < axis ? d : 1).ToArray();
        if (ctx.WantsOutput(1)) Cast.WriteDoubles(mean, ctx.Output(1, ElementType.Float, statShape));
        if (ctx.WantsOutput(2)) Cast.WriteDoubles(inv, ctx.Output(2, ElementType.Float, statShape));
    }

    private static double[] ExpandDoubles(OpContext ctx, TensorValue t, long[] shape)
    {
        var src = t.ToDoubles();
        if (t.Length == Shapes.Size(shape) && t.Rank <= shape.Length) return src;
        var r = new double[Shapes.Size(shape)];
        if (Shapes.Broadcast(ctx, shape, t.Shape).Length != shape.Length) throw new BadInputException($"{ctx.Node.Describe()}: scale/B do not broadcast to the normalised dims");
        Broadcasting.ForEach(shape, new[] { t.Shape }, (i, off) => r[i] = src[off[0]]);
        return r;
    }

    // Scale/B broadcast (unidirectionally) to the normalised dims.
    private static float[] Expand(OpContext ctx, TensorValue t, long[] shape)
    {
        var src = (float[])t.Buffer;
        if (t.Length == Shapes.Size(shape) && t.Rank <= shape.Length) return src;
        var r = new float[Shapes.Size(shape)];
        if (Shapes.Broadcast(ctx, shape, t.Shape).Length != shape.Length) throw new BadInputException($"{ctx.Node.Describe()}: scale/B do not broadcast to the normalised dims");
        Broadcasting.ForEach(shape, new[] { t.Shape }, (i, off) => r[i] = src[off[0]]);
        return r;
    }
}
