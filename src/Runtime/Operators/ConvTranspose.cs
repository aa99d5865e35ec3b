using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// ConvTranspose (opset 1-…): 1-D/2-D/3-D, groups, dilations, pads, auto_pad, output_shape, output_padding.
/// Per image and group: columns = Wᵀ·X through <see cref="Gemm"/>.Sgemm, then scattered (col2im) into Y by
/// <see cref="ConvTransposeScatter"/>, output channels split across threads; where each output value has exactly one
/// tap (kernel = stride), interleaved into Y instead (<see cref="ConvTransposeInterleave"/>).
/// float16 and double are computed in float32.
/// </summary>
internal sealed class ConvTranspose : IOperator
{
    private readonly ConvAttributes _attrs;
    private readonly long[]? _outputShape;
    private readonly long[]? _outputPadding;

    private ConvTranspose(ConvAttributes attrs, long[]? outputShape, long[]? outputPadding)
    {
        _attrs = attrs;
        _outputShape = outputShape;
        _outputPadding = outputPadding;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "output_shape", "output_padding");
        return new ConvTranspose(ConvAttributes.Read(n), n.Ints("output_shape"), n.Ints("output_padding"));
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        var b = ctx.Input(2);
        if (x.ElementType is not (ElementType.Float or ElementType.Double) || w.ElementType != x.ElementType || b is not null && b.ElementType != x.ElementType)
            throw new BadInputException($"{desc}: ConvTranspose does not support {x.ElementType.Name()} input with {w.ElementType.Name()} weights");
        if (x.Rank < 3) throw new BadInputException($"{desc}: input X has rank {x.Rank}; ConvTranspose needs [N, C, spatial...]");
        if (w.Rank != x.Rank) throw new BadInputException($"{desc}: weight W has rank {w.Rank} but input X has rank {x.Rank}");
        int group = (int)_attrs.Group;
        int n = (int)x.Shape[0], c = (int)x.Shape[1];
        if (c % group != 0) throw new BadInputException($"{desc}: {c} input channels are not divisible by group {group}");
        if (w.Shape[0] != c) throw new BadInputException($"{desc}: W [{string.Join(',', w.Shape)}] expects {w.Shape[0]} input channels, X has {c}");
        int coutG = (int)w.Shape[1], cout = coutG * group, cinG = c / group;
        if (b is not null && (b.Rank != 1 || b.Shape[0] != cout)) throw new BadInputException($"{desc}: bias B has shape [{string.Join(',', b.Shape)}], expected [{cout}]");
        int r = x.Rank - 2;
        var input = x.Shape.Skip(2).Select(v => (int)v).ToArray();
        var kernel = w.Shape.Skip(2).Select(v => (int)v).ToArray();
        if (_attrs.KernelShape is { } ks && !ks.SequenceEqual(w.Shape.Skip(2))) throw new BadInputException($"{desc}: kernel_shape does not match W");
        var strides = _attrs.StridesFor(r);
        var dil = _attrs.DilationsFor(r);
        var outPad = _outputPadding is null ? new long[r] : _outputPadding.Length == r ? _outputPadding
            : throw new BadInputException($"{desc}: output_padding has {_outputPadding.Length} values, expected {r}");
        var (pb, pe) = _attrs.ExplicitPads(r);
        var output = new int[r];
        long[]? target = _outputShape is null ? null : _outputShape.Length == r ? _outputShape : _outputShape.Length == r + 2 ? _outputShape[2..]
            : throw new BadInputException($"{desc}: output_shape has {_outputShape.Length} values, expected {r}");
        for (int d = 0; d < r; d++)
        {
            long eff = (long)(kernel[d] - 1) * dil[d] + 1;
            long full = (long)strides[d] * (input[d] - 1) + outPad[d] + eff;
            if (target is not null || _attrs.AutoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                long o = target is not null ? target[d] : (long)input[d] * strides[d];
                long total = full - o;
                if (total < 0 && target is null) total = 0;
                bool upper = _attrs.AutoPad == "SAME_UPPER";
                long half = (long)Math.Floor(total / 2.0); // floor division, as in the spec's formula
                (pb[d], pe[d]) = upper ? ((int)half, (int)(total - half)) : ((int)(total - half), (int)half);
                output[d] = (int)o;
            }
            else
            {
                if (_attrs.AutoPad == "VALID") pb[d] = pe[d] = 0;
                output[d] = checked((int)(full - pb[d] - pe[d]));
            }
            if (output[d] <= 0) throw new BadInputException($"{desc}: output size {output[d]} on spatial dim {d} is not positive");
        }
        var yShape = new long[x.Rank];
        yShape[0] = n;
        yShape[1] = cout;
        for (int d = 0; d < r; d++) yShape[d + 2] = output[d];
        if (x.ElementType == ElementType.Double)
        {
            var dy = ctx.OutputZeroed(0, ElementType.Double, yShape);
            Float64.DoubleConv.Transposed(x.AsSpan<double>(), w.AsSpan<double>(), b is null ? default : b.AsSpan<double>(), dy.AsSpan<double>(),
                n, c, group, coutG, input, output, kernel, strides, dil, pb);
            return;
        }
        bool interleave = ConvTransposeInterleave.Applies(input, output, kernel, strides, dil, pb);
        var y = interleave ? ctx.Output(0, ElementType.Float, yShape) : ctx.OutputZeroed(0, ElementType.Float, yShape);
        int inSize = input.Aggregate(1, (p, q) => p * q), outSize = output.Aggregate(1, (p, q) => p * q);
        int kSize = kernel.Aggregate(1, (p, q) => p * q);
        var cols = ctx.Rent(ElementType.Float, new long[] { (long)coutG * kSize, inSize });
        var xs = x.AsSpan<float>();
        var ws = w.AsSpan<float>();
        var colArray = (float[])cols.Buffer;
        var yArray = (float[])y.Buffer;
        var bias = b is null ? null : (float[])b.Buffer;
        for (int img = 0; img < n; img++)
        for (int g = 0; g < group; g++)
        {
            // W_g is [cinG, coutG*kSize]; columns[coutG*kSize, inSize] = W_gᵀ · X_g.
            Gemm.Sgemm(true, false, coutG * kSize, inSize, cinG, 1f,
                ws.Slice(g * cinG * coutG * kSize), coutG * kSize,
                xs.Slice((img * c + g * cinG) * inSize), inSize, 0f, cols.AsSpan<float>(), inSize, ctx.Kernels);
            if (interleave)
            {
                var direct = new ConvTransposeInterleave(colArray, yArray, (img * cout + g * coutG) * outSize, bias, g * coutG, input, kernel);
                ParallelRanges.Run(ConvTransposeInterleave.Items(coutG, input), ConvTransposeInterleave.ValuesPerItem(input, kernel) * ParallelWork.StreamedValueCost,
                    ctx.Kernels, direct);
                continue;
            }
            var scatter = new ConvTransposeScatter(colArray, yArray, (img * cout + g * coutG) * outSize, bias, g * coutG,
                input, output, kernel, strides, dil, pb);
            ParallelRanges.Run(coutG, (long)kSize * inSize * ParallelWork.GatheredValueCost, ctx.Kernels, scatter);
        }
        ctx.Return(cols);
    }
}
