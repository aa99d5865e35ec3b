using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Concat along the channel axis whose only reader is an inference BatchNormalization (and, optionally, the Relu
/// after it), as one pass: each output plane is its source plane scaled and shifted straight from the Concat's
/// input, so the concatenated tensor is never written and read back (DenseNet-121 concatenates 42 MB per image,
/// each block's features again for every layer, each result read once by that layer's BN + Relu). Per element the
/// same double multiply-add and Relu as the separate ops (a copy changes nothing), so the same bits. Inputs that are
/// not all float32 run the two operators one after the other.
/// </summary>
internal sealed class ConcatBatchNorm(IOperator concat, IOperator batchNorm, TensorValue[] bnConstants, double[] a, double[] b, bool relu) : IOperator
{
    public void Run(OpContext ctx)
    {
        var inputs = new TensorValue[ctx.InputCount];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = ctx.Required(i);
        if (inputs.Length == 0 || inputs.Any(t => t.Buffer is not float[] || t.Rank < 2))
        {
            RunSeparately(ctx, inputs);
            return;
        }
        var shape = Concat.OutputShape(inputs, 1, ctx.Node.Describe());
        int channels = checked((int)shape[1]);
        if (channels != a.Length)
            throw new BadInputException($"{ctx.Node.Describe()}: the concatenation has {channels} channels, the BatchNormalization after it {a.Length}");
        var y = ctx.Output(0, ElementType.Float, shape);
        int n = (int)shape[0], inner = (int)Shapes.Size(shape, 2);
        var sources = new float[inputs.Length][];
        var firstChannel = new int[inputs.Length + 1];
        for (int i = 0; i < inputs.Length; i++)
        {
            sources[i] = (float[])inputs[i].Buffer;
            firstChannel[i + 1] = firstChannel[i] + (int)inputs[i].Shape[1];
        }
        ParallelRanges.Run(n * channels * Math.Max(inner, 1), ParallelWork.StreamedValueCost, ctx.Kernels,
            new Planes(sources, firstChannel, (float[])y.Buffer, a, b, channels, inner, relu), align: 16);
    }

    // Concat into a pooled tensor, then the BN (+Relu) operator on it, through the context's input override.
    private void RunSeparately(OpContext ctx, TensorValue[] inputs)
    {
        var joined = new TensorValue?[1];
        ctx.Override(inputs, joined);
        try { concat.Run(ctx); }
        finally { ctx.Override(null, null); }
        ctx.Override(new TensorValue?[] { joined[0], bnConstants[0], bnConstants[1], bnConstants[2], bnConstants[3] }, null);
        try { batchNorm.Run(ctx); }
        finally { ctx.Override(null, null); }
        ctx.Return(joined[0]!);
    }

    // Output values [start, start + len): the pieces of the planes they overlap, each read from its input's plane.
    private readonly struct Planes(float[][] sources, int[] firstChannel, float[] y, double[] a, double[] b, int channels, int inner, bool relu) : IRangeWork
    {
        public void Run(int start, int len)
        {
            int size = Math.Max(inner, 1);
            int p0 = start / size, p1 = (start + len + size - 1) / size;
            for (int p = p0; p < p1; p++)
            {
                int off = p * inner, from = Math.Max(off, start), to = Math.Min(off + inner, start + len);
                if (to <= from) continue;
                int image = p / channels, channel = p % channels, k = 0;
                while (firstChannel[k + 1] <= channel) k++;
                int width = firstChannel[k + 1] - firstChannel[k];
                int source = (image * width + channel - firstChannel[k]) * inner + from - off;
                var dst = y.AsSpan(from, to - from);
                FloatKernels.ScaleShift(sources[k].AsSpan(source, to - from), dst, a[channel], b[channel], relu);
            }
        }
    }
}
